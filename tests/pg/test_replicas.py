"""Two Warroom replicas on one PostgreSQL database, driven the way Slack drives them."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from app.persistence.tables import (
    Incident,
    OutboxMessage,
    ProcessedEvent,
    RoleAssignment,
    TimelineEntry,
)
from tests.fakes.slack_api import FakeSlack
from tests.harness import message_text
from tests.pg.replicas import Replica, outbox_id, post_calls, settle_all

TITLES = [
    "Fraud model precision dropped 15%",
    "Feature store serving stale embeddings",
    "Chatbot release hallucinating refund policy",
    "Credit model drift on income feature",
    "Churn scores all zero after pipeline change",
    "Search ranking model timing out",
]


def incident_channels(fake: FakeSlack, number: int) -> list[Any]:
    prefix = f"inc-{number}"
    return [c for c in fake.channels() if c.name == prefix or c.name.startswith(prefix + "-")]


async def test_declarations_on_both_replicas_each_open_exactly_one_war_room(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    for i, title in enumerate(TITLES[:3]):  # one after the other, alternating replicas
        reply = await (a, b)[i % 2].command(f"declare sev2 {title}")
        assert reply.response.status_code == 200
    replies = await asyncio.gather(  # at the same moment, on both replicas
        *((a, b)[i % 2].command(f"declare sev3 {title}") for i, title in enumerate(TITLES[3:]))
    )
    assert [r.response.status_code for r in replies] == [200] * 3
    await settle_all(a, b)

    fake = a.fake
    incidents = sorted(a.rows(Incident), key=lambda i: i.id or 0)
    assert [i.id for i in incidents] == list(range(1, len(TITLES) + 1))
    assert sorted(i.title for i in incidents) == sorted(TITLES)
    announcements = fake.messages(a.announcements)
    for incident in incidents:
        assert incident.id is not None
        [channel] = incident_channels(fake, incident.id)
        assert (channel.id, channel.name) == (incident.channel_id, incident.channel_name)
        [kickoff] = [m for m in channel.messages if m.user == fake.bot_user_id]
        assert f"INC-{incident.id}: {incident.title}" in message_text(kickoff)
        assert channel.pins == {kickoff.ts}
        announced = [m for m in announcements if f"<#{channel.id}>" in message_text(m)]
        assert len(announced) == 1, f"INC-{incident.id} announced {len(announced)} times"

    rows = a.rows(OutboxMessage)
    assert {row.status for row in rows} == {"sent"}
    attempts = Counter(a.deliveries.attempted + b.deliveries.attempted)
    # Which replica claims a ready row is scheduling luck; that every attempt either made is
    # accounted for, once, is not.
    assert {row.id: row.attempts for row in rows if row.attempts} == attempts
    accepted = [c for c in post_calls(fake) if c.status == 200 and c.response.get("ok")]
    posts = Counter(outbox_id(c.args.get("metadata")) for c in accepted)
    assert None not in posts, "a post without its outbox id in the metadata"
    assert set(posts.values()) == {1}, f"posted twice: {posts}"
    assert set(posts) == {row.id for row in rows if "ts" in row.result}


async def test_two_people_taking_one_role_at_once_leaves_one_holder_and_a_polite_no(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("declare sev2 Recommendation model serving empty carousels")
    await settle_all(a, b)
    channel = a.incident_channel(1).id
    bob, carol = a.people.bob, a.people.carol

    for role, title in [("scribe", "Scribe"), ("tech-lead", "Tech Lead")]:  # comms is given only
        by_bob, by_carol = await asyncio.gather(
            a.command(f"assign {role} me", user=bob, channel=channel),
            b.command(f"assign {role} me", user=carol, channel=channel),
        )
        await settle_all(a, b)
        assert (by_bob.response.status_code, by_carol.response.status_code) == (200, 200)
        [holder] = [r for r in a.rows(RoleAssignment) if r.role == role]
        assert holder.ended_at is None and holder.user_id in {bob, carol}
        winner, loser = (by_bob, by_carol) if holder.user_id == bob else (by_carol, by_bob)

        refusal = loser.everything
        assert '"response_type": "ephemeral"' in refusal
        assert f"assign the {title} role" in refusal or f"given the {title} role" in refusal
        for reply in (winner, loser):
            assert "Something went wrong" not in reply.everything
            assert "Traceback" not in reply.everything
        assert winner.later == []


@pytest.mark.parametrize("retry_arrives", ["concurrently", "afterwards"])
async def test_a_retried_pin_event_seen_by_both_replicas_is_logged_once(
    replicas: tuple[Replica, Replica], retry_arrives: str
) -> None:
    a, b = replicas
    await a.command("declare sev1 Fraud model blocking all card payments")
    await settle_all(a, b)
    channel = a.incident_channel(1).id
    ts = a.fake.add_message(channel, "Rolled back to fraud-scorer v41", user=a.people.bob)
    event = {
        "type": "reaction_added",
        "user": a.people.carol,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": a.people.bob,
        "event_ts": ts,
    }
    retried = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    if retry_arrives == "concurrently":
        first, retry = await asyncio.gather(
            a.event(event, event_id="Ev0PIN00001"),
            b.event(event, event_id="Ev0PIN00001", headers=retried),
        )
    else:
        first = await a.event(event, event_id="Ev0PIN00001")
        await settle_all(a, b)
        retry = await b.event(event, event_id="Ev0PIN00001", headers=retried)
    await settle_all(a, b)

    assert (first.status_code, retry.status_code) == (200, 200)
    [pinned] = [e for e in a.rows(TimelineEntry) if e.kind == "pinned"]
    assert "Rolled back to fraud-scorer v41" in pinned.text
    assert [e.event_id for e in a.rows(ProcessedEvent)] == ["Ev0PIN00001"]


async def test_notes_recorded_on_both_replicas_reach_the_channel_in_order_despite_a_retry(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("declare sev2 Ad-click model overbidding on every auction")
    await settle_all(a, b)
    channel = a.incident_channel(1).id
    notes = [f"finding {n}: bid multiplier at {n}x" for n in range(1, 5)]
    a.fake.fail_next("chat.postMessage", status=503)  # the first note must wait and retry
    for n, text in enumerate(notes):  # each replica's scheduler is woken by its own writes
        await (a, b)[n % 2].command(f"note {text}", channel=channel)
        await _noted(a, n + 1)  # recorded after the ack: the next note is typed after it
    await settle_all(a, b)

    posted = [m.text for m in a.fake.messages(channel) if "finding" in m.text]
    order = [n for text in posted for n, note in enumerate(notes, 1) if note in text]
    assert order == [1, 2, 3, 4]


async def _noted(replica: Replica, count: int) -> None:
    """Until `count` notes are in the timeline (a person types the next one after seeing it)."""
    deadline = asyncio.get_running_loop().time() + 10
    while len([e for e in replica.rows(TimelineEntry) if e.kind == "note"]) < count:
        assert asyncio.get_running_loop().time() < deadline, "the note was never recorded"
        await asyncio.sleep(0.01)
