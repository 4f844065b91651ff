"""Slack failing, answers lost, a process killed mid-declaration: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from app.persistence.engine import make_engine
from app.persistence.tables import Incident, OutboxMessage
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import SIGNING_SECRET, FakeClock, Warroom, free_port

ROOT = Path(__file__).resolve().parents[2]


def posts_per_outbox_id(fake: FakeSlack) -> Counter[int]:
    counted: Counter[int] = Counter()
    for channel in fake.channels():
        for message in fake.messages(channel.id):
            payload = (message.metadata or {}).get("event_payload") or {}
            if "outbox_id" in payload:
                counted[payload["outbox_id"]] += 1
    return counted


def assert_everything_sent_once(warroom: Warroom) -> None:
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent"}, [(r.id, r.op, r.last_error) for r in rows]
    counts = posts_per_outbox_id(warroom.fake)
    assert counts and max(counts.values()) == 1, counts


async def test_a_429_storm_loses_nothing_and_honours_retry_after(warroom: Warroom) -> None:
    warroom.fake.fail_next("chat.postMessage", times=6, status=429, retry_after=7)
    warroom.fake.fail_next("conversations.setTopic", times=2, status=429, retry_after=3)
    started = warroom.clock.now()
    await warroom.command("declare sev1 Feature store outage, three models silent")
    await warroom.settle()
    channel = warroom.incident_channel(1)
    assert channel.pins and channel.topic.startswith("SEV1")
    assert_everything_sent_once(warroom)
    kickoff = next(
        r for r in warroom.rows(OutboxMessage) if r.payload.get("record_as") == "kickoff"
    )
    assert kickoff.attempts > 1 and kickoff.sent_at is not None
    assert kickoff.sent_at - started >= timedelta(seconds=7)  # waited as Slack asked


async def test_a_post_whose_answer_was_lost_is_not_posted_again(warroom: Warroom) -> None:
    warroom.fake.fail_next("chat.postMessage", status=500, after_effect=True)
    warroom.fake.drop_connection_next("chat.postMessage", after_effect=True)
    await warroom.command("declare sev2 Chatbot release giving harmful answers")
    await warroom.settle()
    channel = warroom.incident_channel(1)
    assert len(warroom.fake.messages(channel.id)) == 1
    assert len(channel.pins) == 1
    assert len(warroom.fake.messages(warroom.announcements)) == 1
    assert_everything_sent_once(warroom)


async def test_a_channel_created_on_a_lost_attempt_is_adopted(warroom: Warroom) -> None:
    warroom.fake.fail_next("conversations.create", status=503, after_effect=True)
    await warroom.command("declare sev2 Model drift on EU traffic")
    await warroom.settle()
    created = [c for c in warroom.fake.channels() if c.name.startswith("inc-1")]
    assert [c.name for c in created] == ["inc-1-model-drift-on-eu-traffic"]
    assert warroom.incident_channel(1).id == created[0].id
    assert_everything_sent_once(warroom)


async def test_a_refusal_slack_will_not_change_its_mind_on_is_not_retried(
    warroom: Warroom,
) -> None:
    warroom.fake.fail_next("conversations.create", error="restricted_action")
    await warroom.command("declare sev2 Cannot create channels here")
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert incident.channel_id is None
    assert len(warroom.fake.calls_to("conversations.create")) == 1
    rows = {r.payload.get("record_as", r.op): r.status for r in warroom.rows(OutboxMessage)}
    assert rows["create_channel"] == "dead" and rows["kickoff"] == "dead"
    dm = warroom.fake.im_with(warroom.people.alice)
    assert dm is not None and "could not create its channel" in warroom.texts(dm.id)[-1]


def _serve(fake: FakeSlack, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "WARROOM_DATABASE_URL": database_url,
    }
    command = [
        sys.executable,
        "-m",
        "app",
        "serve",
        "--http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def kickoff_posted(fake: FakeSlack):  # type: ignore[no-untyped-def]
    def check() -> bool:
        return any(c.name.startswith("inc-1") and fake.messages(c.id) for c in fake.channels())

    return check


async def test_a_process_killed_mid_declaration_is_finished_by_the_next(
    fake: FakeSlack, sqlite_url: str
) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    port = free_port()
    process = _serve(fake, sqlite_url, port)
    try:
        import httpx

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            fake.response_delay = 2.0  # Slack acts at once, but its answers come back late
            body = slack_requests.slash_command_body(
                "declare sev1 Fraud model precision dropped 15%",
                user_id=seeded.people.alice,
                channel_id=seeded.general,
                response_url=fake.new_response_url(),
                trigger_id=fake.issue_trigger_id(),
            )
            response = await http.post(
                "/slack/events",
                content=body,
                headers=slack_requests.signed_headers(SIGNING_SECRET, body),
            )
            assert response.status_code == 200
            # Die once the kickoff is in Slack but before its answer is recorded.
            await fake.async_wait_for(kickoff_posted(fake), timeout=15)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    fake.response_delay = 0.0
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        [incident] = session.exec(select(Incident)).all()
    engine.dispose()
    assert incident.channel_id and incident.kickoff_ts is None  # posted, never recorded

    # The next start, once the dead process's leases have lapsed.
    later = FakeClock(datetime.now(UTC) + timedelta(minutes=5))
    restarted = Warroom(fake, sqlite_url, clock=later, seed=False)
    await restarted.start()
    try:
        await restarted.settle()
        channels = [c for c in fake.channels() if c.name.startswith("inc-1")]
        assert len(channels) == 1
        channel = restarted.incident_channel(1)
        assert len(fake.messages(channel.id)) == 1 and len(channel.pins) == 1
        assert len(fake.messages(restarted.announcements)) == 1
        assert seeded.people.alice in channel.members
        assert_everything_sent_once(restarted)
    finally:
        await restarted.stop()
