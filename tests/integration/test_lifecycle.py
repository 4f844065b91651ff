"""Severity, status, resolve, reopen, and the timeline."""

from __future__ import annotations

import json
from datetime import timedelta

from app.persistence.tables import Incident, StatusMilestone, TimelineEntry
from tests.harness import Warroom


async def declared(warroom: Warroom, text: str = "declare sev3 Drift on transaction_amount") -> str:
    await warroom.command(text)
    await warroom.settle()
    return warroom.incident_channel(1).id


def incident(warroom: Warroom) -> Incident:
    [row] = warroom.rows(Incident)
    return row


async def test_raising_severity_is_announced_everywhere(warroom: Warroom) -> None:
    channel = await declared(warroom)
    await warroom.command("severity sev1 fraud losses rising", channel=channel)
    await warroom.settle()
    assert incident(warroom).severity == "sev1"
    notice = warroom.texts(channel)[-1]
    assert "Severity raised" in notice and "SEV1 (Critical)" in notice
    assert "fraud losses rising" in notice
    assert warroom.fake.channel(channel).topic.startswith("SEV1 Critical")
    announcement = warroom.fake.messages(warroom.announcements)[-1]
    assert "SEV1 (Critical)" in json.dumps(announcement.blocks)
    assert len(warroom.fake.messages(warroom.announcements)) == 1  # edited, not reposted
    [entry] = [e for e in warroom.rows(TimelineEntry) if e.kind == "severity"]
    assert entry.actor == warroom.people.alice and "SEV3 → SEV1" in entry.text


async def test_only_the_commander_or_an_admin_changes_severity(warroom: Warroom) -> None:
    channel = await declared(warroom)
    reply = await warroom.command("severity sev1", user=warroom.people.bob, channel=channel)
    same = await warroom.command("severity sev3", channel=channel)
    unknown = await warroom.command("severity critical", channel=channel)
    await warroom.settle()
    assert "only the commander" in reply.everything
    assert "already SEV3" in same.everything
    assert "sev1, sev2, sev3, sev4" in unknown.everything
    assert incident(warroom).severity == "sev3"


async def test_status_moves_through_the_phases_and_keeps_first_times(warroom: Warroom) -> None:
    channel = await declared(warroom)
    start = warroom.clock.now()
    steps = [
        ("status contained rolled back to v41", 10),
        ("status remediating", 20),
        ("status verifying", 30),
    ]
    for text, minutes in steps:
        warroom.clock.set(start + timedelta(minutes=minutes))
        await warroom.command(text, channel=channel)
        await warroom.settle()
    back = await warroom.command("status remediating", channel=channel)
    await warroom.settle()
    assert "needs a reason" in back.everything
    warroom.clock.set(start + timedelta(minutes=40))
    await warroom.command("status remediating precision regressed in verification", channel=channel)
    await warroom.settle()
    assert incident(warroom).status == "remediating"
    assert warroom.said(channel, "Status moved back")
    firsts = {m.status: m.reached_at - start for m in warroom.rows(StatusMilestone)}
    assert firsts == {
        "investigating": timedelta(0),
        "contained": timedelta(minutes=10),
        "remediating": timedelta(minutes=20),
        "verifying": timedelta(minutes=30),
    }
    assert "Remediating" in warroom.fake.channel(channel).topic


async def test_resolving_reports_durations_and_reopening_goes_back(warroom: Warroom) -> None:
    channel = await declared(warroom)
    start = warroom.clock.now()
    warroom.clock.set(start + timedelta(minutes=25))
    await warroom.command("status contained", channel=channel)
    await warroom.settle()
    warroom.clock.set(start + timedelta(hours=2, minutes=5))
    await warroom.command("resolve precision back to baseline after rollback", channel=channel)
    await warroom.settle()
    row = incident(warroom)
    assert (row.status, row.summary) == ("resolved", "precision back to baseline after rollback")
    notice = warroom.said(channel, "INC-1 resolved")
    assert "Time to containment: 25m" in notice and "time to resolution: 2h 5m" in notice
    announcement = json.dumps(warroom.fake.messages(warroom.announcements)[-1].blocks)
    assert "Resolved" in announcement

    again = await warroom.command("resolve", channel=channel)
    status = await warroom.command("status verifying", channel=channel)
    await warroom.settle()
    assert "already resolved" in again.everything
    assert "reopen it first" in status.everything

    before = len(warroom.texts(channel))
    await warroom.command("reopen alerts fired again", channel=channel)
    await warroom.settle()
    assert incident(warroom).status == "investigating"
    assert any("reopened" in text for text in warroom.texts(channel)[before:])
    resolved_at = {m.status: m.reached_at for m in warroom.rows(StatusMilestone)}["resolved"]
    assert resolved_at == start + timedelta(hours=2, minutes=5)  # first time kept


async def test_status_resolved_is_the_same_as_resolve(warroom: Warroom) -> None:
    channel = await declared(warroom)
    await warroom.command("status resolved fixed upstream schema", channel=channel)
    await warroom.settle()
    assert (incident(warroom).status, incident(warroom).summary) == (
        "resolved",
        "fixed upstream schema",
    )


async def test_notes_and_the_timeline(warroom: Warroom) -> None:
    channel = await declared(warroom)
    await warroom.command(
        "note PSI 0.31 on transaction_amount &lt;!channel&gt;",
        user=warroom.people.bob,
        channel=channel,
    )
    await warroom.settle()
    await warroom.command("severity sev2 customer complaints", channel=channel)
    await warroom.settle()
    assert warroom.said(channel, "Note* from <@U0BOBBY01>: PSI 0.31")
    reply = await warroom.command("timeline", user=warroom.people.carol, channel=channel)
    text = await reply.wait_for_later(lambda r: "timeline" in r)
    order = [text.index(s) for s in ("Declared SEV3", "PSI 0.31", "SEV3 → SEV2")]
    assert order == sorted(order)
    assert "<!channel>" not in warroom.outgoing()


async def pin_event(
    warroom: Warroom, channel: str, ts: str, event_id: str, retry: int | None = None
) -> int:
    event = {
        "type": "reaction_added",
        "user": warroom.people.carol,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": warroom.people.bob,
        "event_ts": "1795312900.000100",
    }
    headers = (
        {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    )
    response = await warroom.event(event, event_id=event_id, headers=headers)
    return response.status_code


async def test_a_pushpin_reaction_puts_the_message_in_the_timeline_once(warroom: Warroom) -> None:
    channel = await declared(warroom)
    ts = warroom.fake.add_message(
        channel, "rolled back fraud-scorer to v41 at 02:40", user=warroom.people.bob
    )
    assert await pin_event(warroom, channel, ts, "Ev001") == 200
    assert await pin_event(warroom, channel, ts, "Ev001", retry=1) == 200  # Slack's retry
    assert await pin_event(warroom, channel, ts, "Ev002") == 200  # pinned again by someone
    await warroom.settle()
    pinned = [e for e in warroom.rows(TimelineEntry) if e.kind == "pinned"]
    assert len(pinned) == 1
    assert pinned[0].text.startswith("rolled back fraud-scorer to v41")
    assert pinned[0].actor == warroom.people.carol and pinned[0].link


async def test_pushpins_outside_incident_channels_are_ignored(warroom: Warroom) -> None:
    await declared(warroom)
    ts = warroom.fake.add_message(warroom.general, "lunch?", user=warroom.people.bob)
    await pin_event(warroom, warroom.general, ts, "Ev100")
    await warroom.settle()
    assert [e for e in warroom.rows(TimelineEntry) if e.kind == "pinned"] == []


async def test_a_pushpin_survives_slack_failing_to_show_the_message(warroom: Warroom) -> None:
    channel = await declared(warroom)
    ts = warroom.fake.add_message(
        channel, "PSI 0.31 on transaction_amount", user=warroom.people.bob
    )
    warroom.fake.fail_next("conversations.history", status=503)
    warroom.fake.fail_next("chat.getPermalink", status=429, retry_after=3)
    assert await pin_event(warroom, channel, ts, "Ev200") == 200
    await warroom.settle()
    pinned = [e for e in warroom.rows(TimelineEntry) if e.kind == "pinned"]
    assert [e.text for e in pinned] == ["PSI 0.31 on transaction_amount (from U0BOBBY01)"]


async def test_a_pushpin_the_database_could_not_take_is_refused_so_slack_sends_it_again(
    warroom: Warroom,
) -> None:
    channel = await declared(warroom)
    ts = warroom.fake.add_message(channel, "rolled back to v41", user=warroom.people.bob)
    with warroom.app.db.engine.begin() as connection:  # the database refuses the write
        connection.exec_driver_sql("ALTER TABLE processed_events RENAME TO away")
    assert await pin_event(warroom, channel, ts, "Ev300") == 500  # not acknowledged
    with warroom.app.db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE away RENAME TO processed_events")
    assert await pin_event(warroom, channel, ts, "Ev300", retry=1) == 200  # Slack's retry
    await warroom.settle()
    pinned = [e for e in warroom.rows(TimelineEntry) if e.kind == "pinned"]
    assert [e.text for e in pinned] == ["rolled back to v41 (from U0BOBBY01)"]
