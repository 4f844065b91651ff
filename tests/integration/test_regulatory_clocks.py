"""Regulatory clocks: flagged in an incident from the moment of awareness, the holder of the
clock's role reminded at 50%, 75% and 90% of the deadline and when it passes (the commander
too, then), each reminder once; stopped by the authority's notification or unflagged with a
reason. Driven by signed Slack requests and the fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.config import parse_config
from app.persistence.tables import OutboxMessage, RegulatoryClock, TimelineEntry
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

HOUR = 60  # minutes
BUILT_IN = [  # name, label, deadline in minutes
    ("personal-data", "GDPR Art. 33", 72 * HOUR),
    ("ai-act-serious", "AI Act Art. 73 (serious incident)", 15 * 24 * HOUR),
    ("ai-act-critical", "AI Act Art. 73 (widespread or critical)", 2 * 24 * HOUR),
    ("ai-act-death", "AI Act Art. 73 (death)", 10 * 24 * HOUR),
]


async def war_room(warroom: Warroom, compliance: str | None = None) -> str:
    """INC-1 declared by alice (commander); `compliance` given the compliance role."""
    await warroom.command("declare sev2 Chatbot leaked customer addresses")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    if compliance:
        await warroom.command(f"assign compliance <@{compliance}>", channel=channel)
        await warroom.settle()
    return channel


async def typed(warroom: Warroom, text: str, channel: str, user: str | None = None) -> str:
    reply = await warroom.command(text, channel=channel, user=user)
    await warroom.settle()
    return reply.everything


async def advance_to(warroom: Warroom, moment: datetime) -> None:
    """The fake clock to `moment`. (Settling fast-forwards it through Slack's rate-limit
    retries, so it can run a little ahead of the minutes ticked: aim at moments.)"""
    left = (moment - warroom.clock.now()).total_seconds() / 60
    assert left > 0, f"the clock is already {-left:.1f} minutes past {moment}"
    await warroom.tick(left)


def clocks(warroom: Warroom) -> list[RegulatoryClock]:
    return sorted(warroom.rows(RegulatoryClock), key=lambda c: c.id or 0)


def dms(warroom: Warroom, user: str, fragment: str = ":alarm_clock:") -> list[str]:
    dm = warroom.fake.im_with(user)
    texts = warroom.texts(dm.id) if dm is not None else []
    return [t for t in texts if fragment in t]


def in_channel(warroom: Warroom, channel: str, fragment: str) -> list[str]:
    return [t for t in warroom.texts(channel) if fragment in t]


async def test_flagging_starts_the_clock_tells_the_channel_and_the_compliance_holder(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom, compliance=p.dana)
    invites_before = len(warroom.fake.calls_to("conversations.invite"))
    typed_at = warroom.clock.now()
    answer = await typed(warroom, "flag personal-data", channel, user=p.bob)

    [clock] = clocks(warroom)
    now = clock.started_at
    assert (clock.clock, clock.label, clock.flagged_by) == ("personal-data", "GDPR Art. 33", p.bob)
    assert typed_at <= now <= warroom.clock.now() and clock.flagged_at == now
    assert clock.due_at == now + timedelta(hours=72)
    assert clock.status == "running" and clock.wake_at == now + timedelta(hours=36)
    assert "ephemeral" in answer and "Started the *GDPR Art. 33* clock" in answer
    assert f"notify the authority by {(now + timedelta(hours=72)):%Y-%m-%d %H:%M} UTC" in answer
    announced = warroom.said(channel, "clock started")
    assert f"<@{p.dana}> (Compliance) will be reminded" in announced and "*72h left*" in announced
    assert len(dms(warroom, p.dana, "GDPR Art. 33")) == 1
    invited = warroom.fake.calls_to("conversations.invite")[invites_before:]
    assert [c.args["users"] for c in invited] == [p.dana]
    assert "GDPR Art. 33: 72h left, by" in warroom.fake.channel(channel).topic
    [logged] = [e for e in warroom.rows(TimelineEntry) if e.kind == "clock"]
    assert logged.actor == p.bob and logged.text.startswith("GDPR Art. 33 clock flagged")


@pytest.mark.parametrize(("name", "label", "deadline"), BUILT_IN)
async def test_each_built_in_clock_reminds_at_50_75_90_and_100_percent_exactly_once(
    warroom: Warroom, name: str, label: str, deadline: int
) -> None:
    p = warroom.people
    channel = await war_room(warroom, compliance=p.dana)
    await typed(warroom, f"flag {name}", channel)
    start = clocks(warroom)[0].started_at
    flagged = len(dms(warroom, p.dana, label))  # told once it was flagged
    for share, words in [(0.5, "50%"), (0.75, "75%"), (0.9, "90%"), (1.0, "deadline is up")]:
        point = start + timedelta(minutes=deadline * share)
        await advance_to(warroom, point - timedelta(minutes=5))  # just before: nothing yet
        assert len(dms(warroom, p.dana, label)) == flagged, (name, share)
        await advance_to(warroom, point)
        flagged += 1
        reminders = dms(warroom, p.dana, label)
        assert len(reminders) == flagged and words in reminders[-1], (name, share, reminders)
        nudges = in_channel(warroom, channel, f"*{label}*:")
        assert len(nudges) == flagged - 1 and words in nudges[-1], (name, share)
    assert "overdue" not in "".join(dms(warroom, p.alice, label)[:-1])
    assert "has been reminded too" in dms(warroom, p.alice, label)[-1]  # the commander, once due
    assert f"and the commander <@{p.alice}>" in in_channel(warroom, channel, f"*{label}*:")[-1]
    await warroom.tick(deadline)  # and nothing more after
    assert len(dms(warroom, p.dana, label)) == flagged
    assert len(in_channel(warroom, channel, f"*{label}*:")) == flagged - 1
    [clock] = clocks(warroom)
    assert (clock.reminders_sent, clock.wake_at) == (4, None)


async def test_without_a_role_holder_the_commander_is_reminded_and_told_it_is_unfilled(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    answer = await typed(warroom, "flag ai-act-critical", channel, user=p.bob)
    assert "Nobody holds the compliance role yet" in answer
    assert "Nobody holds the Compliance role, so the commander is reminded" in warroom.said(
        channel, "clock started"
    )
    await warroom.tick(24 * HOUR)
    [reminder] = dms(warroom, p.alice, "50% of the time is gone")
    assert "Nobody holds the Compliance role, so this comes to you as commander" in reminder
    assert "`/incident assign compliance @person`" in reminder
    nudge = in_channel(warroom, channel, "*AI Act Art. 73 (widespread or critical)*:")[-1]
    assert f"the commander <@{p.alice}> has been reminded" in nudge


async def test_notified_records_who_when_and_the_reference_and_stops_the_clock(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom, compliance=p.dana)
    await typed(warroom, "flag personal-data", channel)
    await warroom.tick(36 * HOUR)
    refused = await typed(warroom, "notified personal-data ICO-1", channel, user=p.bob)
    assert "only the Compliance holder" in refused and clocks(warroom)[0].status == "running"

    typed_at = warroom.clock.now()
    answer = await typed(
        warroom, "notified gdpr ICO-2026-12345 &lt;!channel&gt;", channel, user=p.dana
    )
    [clock] = clocks(warroom)
    assert (clock.status, clock.notified_by, clock.wake_at) == ("notified", p.dana, None)
    assert clock.notified_at is not None and typed_at <= clock.notified_at <= warroom.clock.now()
    assert clock.reference == "ICO-2026-12345 <!channel>"
    assert "reminders have stopped" in answer
    told = warroom.said(channel, "the authority was notified")
    assert "*on time*" in told and "ICO-2026-12345 &lt;!channel&gt;" in told
    assert "<!channel>" not in warroom.outgoing()
    assert "GDPR" not in warroom.fake.channel(channel).topic
    before = len(dms(warroom, p.dana, "GDPR Art. 33"))
    await warroom.tick(72 * HOUR)
    assert len(dms(warroom, p.dana, "GDPR Art. 33")) == before
    again = await typed(warroom, "notified personal-data ICO-2", channel, user=p.dana)
    assert "already done" in again and clocks(warroom)[0].reference.startswith("ICO-2026")
    listing = await typed(warroom, "clocks", channel)
    assert "notified on time" in listing and "ICO-2026-12345" in listing


async def test_unflagging_needs_a_reason_and_is_logged(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom, compliance=p.dana)
    await typed(warroom, "flag personal-data", channel)
    missing = await typed(warroom, "unflag personal-data", channel)
    assert "Say which clock and why" in missing and clocks(warroom)[0].status == "running"
    refused = await typed(warroom, "unflag personal-data no data left", channel, user=p.bob)
    assert "only the Compliance holder" in refused

    await typed(warroom, "unflag personal-data only hashed IDs were exposed", channel)
    [clock] = clocks(warroom)
    assert (clock.status, clock.unflagged_by, clock.wake_at) == ("unflagged", p.alice, None)
    assert clock.unflag_reason == "only hashed IDs were exposed"
    logged = [e.text for e in warroom.rows(TimelineEntry) if e.kind == "clock"]
    assert logged[-1] == "GDPR Art. 33: unflagged. Why: only hashed IDs were exposed"
    assert "only hashed IDs were exposed" in warroom.said(channel, "unflagged by")
    await warroom.tick(72 * HOUR)
    assert len(dms(warroom, p.dana, "of the time is gone")) == 0

    await typed(warroom, "flag personal-data", channel)  # it applies after all: again
    [clock] = clocks(warroom)
    assert clock.status == "running" and clock.due_at == clock.started_at + timedelta(hours=72)
    assert clock.started_at > datetime(2026, 11, 25, tzinfo=UTC)  # from the new flagging


async def test_flagging_the_same_clock_twice_starts_no_second_clock(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await typed(warroom, "flag personal-data", channel)
    await warroom.tick(30)
    outbox_before = len(warroom.rows(OutboxMessage))
    again = await typed(warroom, "flag GDPR", channel, user=p.bob)
    assert "ephemeral" in again and "already running" in again and "71h left" in again
    assert len(clocks(warroom)) == 1 and clocks(warroom)[0].flagged_by == p.alice
    assert len(warroom.rows(OutboxMessage)) == outbox_before


async def test_aware_since_is_read_in_utc_or_the_zone_given(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    # The fake clock starts at 2026-11-22 02:00 UTC.
    answer = await typed(
        warroom, "flag personal-data --aware-since “2026-11-20 13:30”", channel
    )  # Slack's smart quotes
    assert "aware since 2026-11-20 13:30 UTC" in answer and "(35h left)" in answer
    paris = 'flag ai-act-critical --aware-since "2026-11-21 03:00 Europe/Paris"'
    await typed(warroom, paris, channel)
    await typed(warroom, "flag ai-act-death --aware-since=2026-11-21T20:00+05:00", channel)
    gdpr, critical, death = clocks(warroom)
    assert gdpr.started_at == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    assert gdpr.due_at == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert critical.started_at == datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert death.started_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    # Half of the 72 hours had gone when it was flagged: that point counts as told; 75% next.
    assert gdpr.reminders_sent == 1 and gdpr.wake_at == gdpr.started_at + timedelta(hours=54)


async def test_bad_input_gets_a_friendly_private_answer_and_starts_nothing(
    warroom: Warroom,
) -> None:
    channel = await war_room(warroom)
    for text, expected in [
        ("flag", "Which clock?"),
        ("flag gdpr-art-99", "is not a regulatory clock here"),
        ("flag &lt;!channel&gt;", "is not a clock name"),
        ("flag personal-data ai-act-death", "one clock at a time"),
        ("flag personal-data --urgent", "I don't know `--urgent`"),
        ('flag personal-data --aware-since "yesterday"', "takes a date and a time"),
        ("flag personal-data --aware-since", "takes a date and a time"),
        ('flag personal-data --aware-since "2026-11-23 02:00"', "is in the future"),
        ('flag personal-data --aware-since "2026-02-30 10:00"', "not a real date"),
        ('flag personal-data --aware-since "2026-11-21 10:00 Mars/Olympus"', "not a time zone"),
        ('flag personal-data --aware-since "2024-01-01 10:00"', "more than a year ago"),
        ("notified personal-data", "the authority's reference"),
        ("notified personal-data ICO-1", "INC-1 has no `personal-data` clock"),
        ("unflag personal-data", "Say which clock and why"),
        ("unflag ai-act-death no death", "INC-1 has no `ai-act-death` clock"),
    ]:
        answer = await typed(warroom, text, channel)
        assert expected in answer and "ephemeral" in answer, (text, answer)
        assert "Traceback" not in answer and "<!channel>" not in answer
    outside = await typed(warroom, "flag personal-data", warroom.general)
    assert "works inside an incident's own channel" in outside
    assert clocks(warroom) == []


async def test_an_organisations_own_clock_and_an_overridden_deadline(
    fake: FakeSlack, sqlite_url: str
) -> None:
    config = parse_config(
        {
            "roles": {"risk-owner": {"description": "Speaks for fraud and risk."}},
            "regulatory_clocks": {
                "personal-data": {"deadline": "48h"},
                "key-account": {
                    "label": "Key account notice",
                    "deadline": "4h",
                    "notify_role": "risk-owner",
                },
            },
        }
    )
    warroom = await Warroom(fake, sqlite_url, config=config).start()
    try:
        p = warroom.people
        channel = await war_room(warroom)
        await typed(warroom, f"assign risk-owner <@{p.carol}>", channel)
        await typed(warroom, "flag key-account", channel)
        await typed(warroom, "flag personal-data", channel)
        own, gdpr = clocks(warroom)
        assert (own.label, own.notify_role) == ("Key account notice", "risk-owner")
        assert own.due_at - own.started_at == timedelta(hours=4)
        assert gdpr.due_at - gdpr.started_at == timedelta(hours=48)
        for minutes, words in [(120, "50%"), (180, "75%"), (216, "90%"), (240, "deadline is up")]:
            await advance_to(warroom, own.started_at + timedelta(minutes=minutes))
            assert words in dms(warroom, p.carol, "Key account notice")[-1], words
        assert len(dms(warroom, p.carol, "Key account notice")) == 5  # flagged + 4 reminders
        listing = await typed(warroom, "clocks", channel)
        assert "`key-account` (Key account notice, 4h)" in listing
    finally:
        await warroom.stop()


async def test_help_lists_the_clock_commands(warroom: Warroom) -> None:
    answer = (await warroom.command("help")).ack_text
    for usage in ("flag <clock>", "notified <clock> <reference>", "unflag <clock> <reason>"):
        assert usage in answer
    assert "`/incident clocks`" in answer


async def test_resolving_names_the_clocks_still_running_and_not_the_stopped_ones(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom, compliance=p.dana)
    await typed(warroom, "flag personal-data", channel)
    await typed(warroom, "flag ai-act-serious", channel)
    await typed(warroom, "notified ai-act-serious MSA-7", channel, user=p.dana)
    await warroom.tick(10 * HOUR)
    await typed(warroom, "resolve Rolled the chatbot back to v12", channel)

    [told] = in_channel(warroom, channel, "Resolving does not stop")
    assert f"*GDPR Art. 33* (<@{p.dana}>)" in told and "/incident notified personal-data" in told
    assert "*62h left*" in told or "*61h left*" in told  # the fake clock may run a little ahead
    assert "AI Act" not in told  # notified: that clock is done
    assert [c.status for c in clocks(warroom)] == ["running", "notified"]


async def test_resolving_says_nothing_of_clocks_when_none_is_running(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await typed(warroom, "resolve Nothing personal leaked after all", channel)
    assert in_channel(warroom, channel, "Resolving does not stop") == []
