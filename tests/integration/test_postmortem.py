"""The post-mortem: drafted and uploaded on resolve (files.getUploadURLExternal → upload →
files.completeUploadExternal, once), printed by `warroom postmortem`, owned, due, reminded
about on the clock until it is done, and not required where the configuration exempts it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.config import ConfigError, parse_config
from app.persistence.tables import Incident, OutboxMessage, PostmortemRecord
from app.services.metrics import incident_numbers
from tests.fakes.slack_api import UPLOAD, FakeSlack
from tests.harness import Warroom

ROOT = Path(__file__).resolve().parents[2]
UPLOAD_FLOW = ["files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal"]
# As Slack sends what a person typed (should_escape), and as Warroom stores it.
TYPED = "Fraud &lt;script&gt;alert(1)&lt;/script&gt; precision drop <!channel>"
TITLE = "Fraud <script>alert(1)</script> precision drop @channel"


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    config = parse_config({"postmortem": {"due": "48h", "exempt": ["drills", "sev4"]}})
    warroom = Warroom(fake, sqlite_url, config=config)
    await warroom.start()
    yield warroom
    await warroom.stop()


async def run_incident(room: Warroom, severity: str = "sev2") -> str:
    """Declare, work and resolve an incident; returns its channel."""
    people = room.people
    await room.command(f"declare {severity} {TYPED}")
    await room.settle()
    channel = room.incident_channel(1).id
    for text in (
        "severity sev1 losses rising",
        f"assign tech-lead <@{people.bob}>",
        "note Chargebacks up 30% since midnight | see dashboard",
        "hypothesis upstream schema change nulled transaction_amount",
        "hypothesis H-1 confirmed nulls since the 02:00 ETL run",
        "evidence dataset s3://snapshots/fraud inputs of the bad window",
        'decision Roll back fraud-scorer to v41? --options "Roll back|Hold"',
    ):
        await room.tick(5)
        await room.command(text, channel=channel)
        await room.settle()
    await room.tick(7)
    await room.command("decide D-1 roll back precision of v41 is known", channel=channel)
    await room.settle()
    await room.command("status contained rolled back", channel=channel)
    await room.tick(30)
    await room.command("resolve v41 restored precision", channel=channel)
    await room.settle()
    return channel


def upload_calls(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.calls if c.method in UPLOAD_FLOW]


def shared_files(fake: FakeSlack, channel: str) -> list[Any]:
    return [m for m in fake.messages(channel) if m.files]


async def test_resolving_uploads_the_draft_once(room: Warroom) -> None:
    channel = await run_incident(room)
    assert [c.method for c in upload_calls(room.fake)] == UPLOAD_FLOW
    [message] = shared_files(room.fake, channel)
    [shared] = message.files or []
    assert shared["title"] == "INC-1 post-mortem (draft)" and shared["name"].endswith(".md")
    assert f"<@{room.people.alice}> owns it" in message.text  # the commander, by default
    document = (room.fake.file_content(shared["id"]) or b"").decode()
    for heading in (
        "# Post-mortem: INC-1",
        "## Summary",
        "## Detection",
        "## Timeline",
        "## Decisions",
        "## Hypotheses",
        "## Evidence",
        "## Updates",
        "## Roles and handovers",
        "## Playbook",
        "## This incident's numbers",
        "## Five whys",
        "## What went well",
        "## What went badly",
        "## Where we got lucky",
        "## Action items",
    ):
        assert heading in document, heading
    assert "SEV2 at 2026-11-22 02:00 UTC → SEV1" in document and "losses rising" in document
    assert "Roll back fraud-scorer to v41?" in document
    assert "**Roll back**, by @U0ALICE01" in document and "precision of v41 is known" in document
    assert "- **Time to decide:** 7m" in document
    assert "nulls since the 02:00 ETL run" in document and "s3://snapshots/fraud" in document
    assert "| tech-lead | @U0BOBBY01 |" in document
    assert "| time to decide D-1 | 7m |" in document  # this incident's numbers (metrics)
    assert "| post-mortem on time | — |" in document  # not due yet
    assert "| technical |" in document  # updates per audience
    # What people typed is text, never markup: no HTML, no pings, no broken table.
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert "<!channel>" not in document
    assert "Chargebacks up 30% since midnight \\| see dashboard" in document
    await room.tick(5)  # nothing left to do: the upload is not repeated
    assert len(shared_files(room.fake, channel)) == 1
    assert len(room.fake.calls_to("files.completeUploadExternal")) == 1


async def test_a_lost_answer_or_a_failed_upload_does_not_share_twice(room: Warroom) -> None:
    room.fake.fail_next(UPLOAD, status=503)  # the bytes: retried to the same URL
    room.fake.drop_connection_next("files.completeUploadExternal", after_effect=True)
    channel = await run_incident(room)
    await room.settle()
    assert room.fake.pending_injections() == 0
    assert len(room.fake.calls_to("files.getUploadURLExternal")) == 1  # one file, continued
    assert len(room.fake.calls_to(UPLOAD)) == 2
    assert len(shared_files(room.fake, channel)) == 1  # shared once, found after the loss
    assert len(room.fake.calls_to("files.completeUploadExternal")) == 1  # not tried again
    [row] = [r for r in room.rows(OutboxMessage) if r.op == "upload"]
    assert row.status == "sent" and row.result.get("recovered") is True


async def test_reminders_go_to_the_owner_until_it_is_done(room: Warroom) -> None:
    people = room.people
    channel = await run_incident(room)

    def reminders(user: str) -> list[str]:
        im = room.fake.im_with(user)
        return [m.text for m in im.messages if "post-mortem" in m.text] if im else []

    await room.tick(47 * 60)
    assert reminders(people.alice) == []
    await room.tick(60)  # exactly 48 hours after resolving
    [due] = reminders(people.alice)
    assert "*INC-1*" in due and "due now" in due and "&lt;script&gt;" in due
    await room.tick(24 * 60)
    assert len(reminders(people.alice)) == 2 and "overdue by 1d" in reminders(people.alice)[-1]

    refused = await room.command(
        f"postmortem owner <@{people.carol}>", user=people.bob, channel=channel
    )
    await room.command(f"postmortem owner <@{people.bob}>", channel=channel)
    await room.settle()
    assert "only the commander" in refused.everything
    assert room.said(channel, f"<@{people.bob}> owns the post-mortem of INC-1")
    await room.tick(24 * 60)
    assert len(reminders(people.bob)) == 1 and len(reminders(people.alice)) == 2

    bad = await room.command("postmortem done ftp://wiki.example.com/inc-1", channel=channel)
    other = await room.command(
        "postmortem done https://wiki.example.com/x", user=people.carol, channel=channel
    )
    await room.settle()
    assert "starting with https://" in bad.everything
    assert "only the post-mortem's owner" in other.everything
    assert room.rows(PostmortemRecord)[0].link is None
    done = await room.command(
        "postmortem done <https://wiki.example.com/inc-1|INC-1 post-mortem>",
        user=people.bob,
        channel=channel,
    )
    await room.settle()
    assert "is done" in done.everything
    [record] = room.rows(PostmortemRecord)
    assert record.link == "https://wiki.example.com/inc-1" and record.done_by == people.bob
    assert room.said(channel, "is done (late)")
    assert incident_numbers(room.app.ctx, 1).postmortem_on_time is False  # for the report
    await room.tick(3 * 24 * 60)
    assert len(reminders(people.bob)) == 1  # no reminder after it is done
    shown = await room.command("postmortem", channel=channel)
    await room.settle()
    assert "https://wiki.example.com/inc-1" in shown.everything


async def test_done_before_resolution_is_refused(room: Warroom) -> None:
    await room.command("declare sev2 Feature store latency")
    await room.settle()
    channel = room.incident_channel(1).id
    early = await room.command("postmortem done https://wiki.example.com/x", channel=channel)
    await room.settle()
    assert "not resolved yet" in early.everything


async def test_sev4_and_drills_need_no_postmortem(room: Warroom) -> None:
    await room.command("declare sev4 Search ranker stale features")
    await room.settle()
    channel = room.incident_channel(1).id
    await room.command("resolve refreshed", channel=channel)
    await room.settle()
    await room.command("declare sev1 Fraud drill")
    await room.settle()
    drill = room.incident_channel(2).id
    with room.app.db.transaction() as session:  # what `/incident drill` marks (drills part)
        incident = session.get(Incident, 2)
        assert incident is not None
        incident.drill = True
    await room.command("resolve drill over", channel=drill)
    await room.settle()
    await room.tick(4 * 24 * 60)
    assert upload_calls(room.fake) == []
    assert {r.incident_id: r.exempt for r in room.rows(PostmortemRecord)} == {
        1: "SEV4 incidents are exempt",
        2: "drills are exempt",
    }
    for person in (room.people.alice,):
        im = room.fake.im_with(person)
        assert not im or not [m for m in im.messages if "post-mortem" in m.text]


async def test_warroom_postmortem_prints_the_document(room: Warroom) -> None:
    await run_incident(room)
    channel = room.incident_channel(1).id
    await room.command("action Alert on PSI per top feature --kind detect", channel=channel)
    await room.settle()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))},
        "WARROOM_DATABASE_URL": room.database_url,
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "app", "postmortem", *args]
        return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)

    markdown, as_json, unknown, garbled = await asyncio.gather(
        asyncio.to_thread(cli, "INC-1"),
        asyncio.to_thread(cli, "INC-1", "--format", "json"),
        asyncio.to_thread(cli, "INC-99"),
        asyncio.to_thread(cli, "fraud"),
    )
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# Post-mortem: INC-1: Fraud &lt;script&gt;")
    assert "## Five whys" in markdown.stdout
    items = markdown.stdout.split("## Action items")[1]
    assert "A-1" in items and "Alert on PSI per top feature" in items and "detect" in items
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["summary"]["ref"] == "INC-1" and data["summary"]["title"] == TITLE
    assert [h["severity"] for h in data["summary"]["severity_history"]] == ["sev2", "sev1"]
    [decision] = data["decisions"]
    assert decision["outcome"] == "Roll back"
    assert 7 * 60 <= decision["time_to_decide"] < 8 * 60  # seconds (posting paces the clock)
    assert [a["ref"] for a in data["action_items"]] == ["A-1"]
    assert data["follow_up"]["owner"] == room.people.alice
    assert data["follow_up"]["due_at"].startswith("2026-11-24")
    for failed, wanted in ((unknown, "There is no INC-99."), (garbled, "not an incident")):
        assert failed.returncode == 1 and wanted in failed.stderr
        assert "Traceback" not in failed.stderr


def test_the_due_time_and_exemptions_are_validated() -> None:
    with pytest.raises(ConfigError, match=re.escape("postmortem.due: 'two days' is not a")):
        parse_config({"postmortem": {"due": "two days"}})
    with pytest.raises(ConfigError, match=re.escape("postmortem.exempt: 'sev9' is not drills")):
        parse_config({"postmortem": {"exempt": ["sev9"]}})
    assert parse_config({}).postmortem.due == timedelta(hours=48)


async def test_the_playbook_followed_its_skipped_steps_and_gate_overrides(room: Warroom) -> None:
    await room.command("declare sev2 Fraud precision drop --playbook model-drift")
    await room.settle()
    channel = room.incident_channel(1).id
    for text in (
        "step confirm-drop done dashboard checked",
        "status contained --override fallback serving, freeze under way",
        "status resolved --override verified by hand",
    ):
        reply = await room.command(text, channel=channel)
        await room.settle()
        assert "can't move" not in reply.everything, reply.everything
    [message] = shared_files(room.fake, channel)
    document = (room.fake.file_content((message.files or [])[0]["id"]) or b"").decode()
    playbook = document.split("## Playbook")[1].split("##")[0]
    assert "Followed **Model performance drop" in playbook
    assert "(`model-drift`, version " in playbook
    assert "detection / `rule-out-deploy` (required)" in playbook
    assert "`confirm-drop`" not in playbook  # done, so not skipped
    decisions = document.split("## Decisions")[1].split("## Hypotheses")[0]
    assert "- **Gate override:** moved to contained with required steps open" in decisions
    assert "fallback serving, freeze under way" in decisions
    assert "moved to resolved" in decisions
