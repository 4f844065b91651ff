"""Every multi-step outbox row, faulted at every Slack call it makes: each message exists once
and every step is finally done.

A row that makes several Slack calls (post then pin; topic, kickoff and announcement; reply
then DM) records each finished step before the next begins, so a retry continues from the
first step not done. The fault is one of: a 429, a 5xx before Slack acted, a 5xx after it
acted, an answer lost on the network after Slack acted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.persistence.tables import OutboxMessage
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import ANNOUNCEMENTS, Warroom
from tests.integration.test_failures import posts_per_outbox_id

Where = Callable[[dict[str, Any]], bool] | None


@dataclass(frozen=True)
class Position:
    """One Slack call of one row kind."""

    name: str
    method: str
    where: Callable[[Warroom], Where] = lambda room: None


def _in_incident_channel(room: Warroom) -> Where:
    return lambda args: (
        str(args.get("channel", "")).startswith("C")
        and args.get("channel") not in {room.announcements, room.general}
    )


def _in_announcements(room: Warroom) -> Where:
    return lambda args: args.get("channel") in {room.announcements, f"#{ANNOUNCEMENTS}"}


def _to_bob(room: Warroom) -> Where:
    return lambda args: args.get("channel") == room.people.bob


POSITIONS = [
    Position("create channel", "conversations.create"),
    Position("kickoff post", "chat.postMessage", _in_incident_channel),
    Position("kickoff pin", "pins.add"),
    Position("announcement post", "chat.postMessage", _in_announcements),
    Position("refresh topic", "conversations.setTopic"),
    Position("refresh kickoff", "chat.update", _in_incident_channel),
    Position("refresh announcement", "chat.update", _in_announcements),
    Position("DM post", "chat.postMessage", _to_bob),
]


def _fault(fake: FakeSlack, kind: str, method: str, where: Where) -> None:
    if kind == "429":
        fake.fail_next(method, status=429, retry_after=2, where=where)
    elif kind == "5xx before acting":
        fake.fail_next(method, status=503, where=where)
    elif kind == "5xx after acting":
        fake.fail_next(method, status=500, after_effect=True, where=where)
    else:
        fake.drop_connection_next(method, after_effect=True, where=where)


FAULTS = ["429", "5xx before acting", "5xx after acting", "answer lost"]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("position", POSITIONS, ids=lambda p: p.name)
async def test_each_step_happens_once_whatever_fails_where(
    warroom: Warroom, position: Position, fault: str
) -> None:
    _fault(warroom.fake, fault, position.method, position.where(warroom))
    people = warroom.people
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    await warroom.command("severity sev1 losses accruing", channel=channel)
    await warroom.command(f"assign tech-lead <@{people.bob}>", channel=channel)
    await warroom.settle()

    assert warroom.fake.pending_injections() == 0, "the fault was never hit"
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent"}, [_row(r) for r in rows if r.status != "sent"]
    assert max(posts_per_outbox_id(warroom.fake).values()) == 1
    _assert_standing_messages_once_and_current(warroom, channel)
    instructions = [t for t in warroom.texts(_dm(warroom, people.bob)) if "Tech Lead" in t]
    assert len(instructions) == 1, instructions


def _assert_standing_messages_once_and_current(warroom: Warroom, channel_id: str) -> None:
    channel = warroom.fake.channel(channel_id)
    kickoffs = [
        m for m in warroom.fake.messages(channel_id) if "Pinned by Warroom" in str(m.blocks)
    ]
    assert len(kickoffs) == 1
    assert channel.pins == {kickoffs[0].ts}
    assert "SEV1" in str(kickoffs[0].blocks) and "<@U0BOBBY01>" in str(kickoffs[0].blocks)
    assert channel.topic.startswith("SEV1 Critical")
    topics = [c.args["topic"] for c in warroom.fake.calls_to("conversations.setTopic") if c.acted]
    assert len(topics) == len(set(topics)), "a topic was set twice (Slack posts it each time)"
    announced = warroom.fake.messages(warroom.announcements)
    assert len(announced) == 1 and "SEV1" in str(announced[0].blocks)


def _dm(warroom: Warroom, user: str) -> str:
    im = warroom.fake.im_with(user)
    assert im is not None, f"no DM with {user}"
    return str(im.id)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("method", ["response_url", "chat.postMessage"])
async def test_a_refused_reply_becomes_one_dm_whatever_fails(
    warroom: Warroom, method: str, fault: str
) -> None:
    """The declaration's reply goes to a response_url Slack refuses (expired), so it is sent
    as a DM instead: reply, then DM, each step once."""
    alice = warroom.people.alice
    dead_url = warroom.fake.base_url + "/commands/T0TEAM/999/expired"
    if method == "response_url":
        _fault(warroom.fake, fault, method, None)
    else:
        _fault(warroom.fake, fault, method, lambda args: args.get("channel") == alice)
    body = slack_requests.slash_command_body(
        "declare sev3 Search ranking model serving stale features",
        user_id=alice,
        channel_id=warroom.general,
        response_url=dead_url,
        trigger_id=warroom.fake.issue_trigger_id(),
    )
    await warroom.post(body)
    await warroom.settle()

    assert warroom.fake.pending_injections() == 0, "the fault was never hit"
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent"}, [_row(r) for r in rows if r.status != "sent"]
    dm = warroom.fake.im_with(alice)
    replies = [t for t in warroom.texts(dm.id) if "is declared as SEV3" in t] if dm else []
    answer_may_be_lost = method == "response_url" and fault != "429"
    assert len(replies) == (0 if answer_may_be_lost else 1), replies


def _row(row: OutboxMessage) -> tuple[Any, ...]:
    return (row.id, row.op, row.status, row.attempts, row.last_error, row.progress)
