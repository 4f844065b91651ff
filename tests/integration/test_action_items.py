"""Action items: A-n recorded with an owner and a due date, reminded until closed with how the
fix was verified in production; reachable by INC-n after the channel is archived."""

from __future__ import annotations

from datetime import timedelta

from app.config import parse_config
from app.persistence.tables import ActionItem, TimelineEntry
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

DAY = 24 * 60  # minutes


async def war_room(warroom: Warroom, severity: str = "sev1") -> str:
    await warroom.command(f"declare {severity} Fraud model precision dropped 15%")
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


async def typed(warroom: Warroom, text: str, channel: str, user: str | None = None) -> str:
    reply = await warroom.command(text, channel=channel, user=user)
    await warroom.settle()
    return reply.everything


def items(warroom: Warroom) -> list[ActionItem]:
    return sorted(warroom.rows(ActionItem), key=lambda i: (i.incident_id, i.number))


def dm_texts(warroom: Warroom, user: str) -> list[str]:
    dm = warroom.fake.im_with(user)
    return warroom.texts(dm.id) if dm is not None else []


async def test_recording_defaults_to_the_commander_and_the_severitys_due_date(
    warroom: Warroom,
) -> None:
    channel = await war_room(warroom)
    answer = await typed(warroom, "action Add a null-rate alert on transaction_amount", channel)
    await typed(warroom, "action Replay the 02:00 ETL with schema checks", channel)
    first, second = items(warroom)
    assert (first.number, second.number) == (1, 2)
    assert (first.owner, first.kind, first.status) == (warroom.people.alice, "prevent", "open")
    assert first.due_at - first.created_at == timedelta(days=7)  # sev1's default
    assert "Recorded *A-1*" in answer and "ephemeral" in answer
    assert "Add a null-rate alert" in warroom.said(channel, "A-1")
    logged = [e.text for e in warroom.rows(TimelineEntry) if e.kind == "action"]
    assert logged[0].startswith("A-1 recorded (prevent): Add a null-rate alert")


async def test_owner_due_and_kind_are_taken_and_the_owner_is_told(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await war_room(warroom, "sev3")
    await typed(
        warroom,
        f"action Alert on PSI &gt; 0.2 for <!channel> --owner <@{dana}|dana> --due 10d "
        "--kind detect",
        channel,
    )
    [item] = items(warroom)
    assert (item.owner, item.kind, item.text) == (dana, "detect", "Alert on PSI > 0.2 for @channel")
    assert item.due_at - item.created_at == timedelta(days=10)
    assert any("A-1" in text for text in dm_texts(warroom, dana))
    assert "<!channel>" not in warroom.outgoing()  # what people type is escaped when shown


async def test_default_due_dates_come_from_the_configuration(
    fake: FakeSlack, sqlite_url: str
) -> None:
    config = parse_config({"action_items": {"due": {"sev2": "3d"}}})
    warroom = await Warroom(fake, sqlite_url, config=config).start()
    try:
        channel = await war_room(warroom, "sev2")
        await typed(warroom, "action Pin the feature store client version", channel)
        await warroom.command("declare sev3 Churn scores stale")
        await warroom.settle()
        await typed(warroom, "action Alert on stale scores", str(warroom.incident_channel(2).id))
        pinned, alerted = items(warroom)
        assert pinned.due_at - pinned.created_at == timedelta(days=3)  # configured
        assert alerted.due_at - alerted.created_at == timedelta(days=30)  # built in for sev3
    finally:
        await warroom.stop()


async def test_bad_input_gets_a_friendly_private_answer_and_records_nothing(
    warroom: Warroom,
) -> None:
    channel = await war_room(warroom)
    for text, expected in [
        ("action", "Say what should be done"),
        ("action --owner me", "Say what should be done"),
        ("action Fix it --due soon", "`--due`"),
        ("action Fix it --due 400d", "too long"),
        ("action Fix it --kind blame", "`--kind` is one of"),
        ("action Fix it --owner dana", "`--owner` takes a person"),
        ("action Fix it --priority high", "I don't know `--priority`"),
        ("action A-1 done", "Say how it was verified"),
        ("action A-1 closed by me", "done"),
        ("actions everything", "lists this incident"),
    ]:
        answer = await typed(warroom, text, channel)
        assert expected in answer and "ephemeral" in answer, (text, answer)
    answer = await typed(warroom, "action A-7 done shipped", channel)
    assert "INC-1 has no A-7" in answer
    answer = await typed(warroom, "action INC-99 A-1 done shipped", warroom.general)
    assert "There is no INC-99" in answer
    assert items(warroom) == []


async def test_only_the_owner_the_commander_or_an_admin_closes_with_its_verification(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await typed(warroom, f"action Add schema checks --owner <@{p.dana}|dana>", channel)
    refused = await typed(warroom, "action A-1 done looked fine", channel, user=p.bob)
    assert "only its owner" in refused and items(warroom)[0].status == "open"

    closing = "action a1 done null-rate alert fired on the replay in prod"
    await typed(warroom, closing, channel, p.dana)
    [item] = items(warroom)
    assert (item.status, item.done_by) == ("done", p.dana)
    assert item.verification == "null-rate alert fired on the replay in prod"
    assert item.wake_at is None
    assert "Verified: null-rate alert fired" in warroom.said(channel, "A-1")
    again = await typed(warroom, "action A-1 done twice", channel)
    assert "already done" in again
    logged = [e.text for e in warroom.rows(TimelineEntry) if e.kind == "action"]
    assert logged[-1] == (
        "A-1 done: Add schema checks. Verified: null-rate alert fired on the replay in prod"
    )


async def test_the_list_shows_open_items_first_and_marks_the_overdue(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await typed(warroom, "action First, done soon", channel)
    await typed(warroom, "action Second, due late --due 30d", channel)
    await typed(warroom, "action Third, due early --due 2d", channel)
    await typed(warroom, "action A-1 done verified in prod", channel)
    warroom.clock.advance(timedelta(days=3))
    listing = await typed(warroom, "actions", channel)
    assert "2 open" in listing
    third, second, first = (listing.index(f"*A-{n}*") for n in (3, 2, 1))
    assert third < second < first  # open by due date, then those done
    overdue_line = listing[third : listing.index("\\n", third)]
    assert "overdue" in overdue_line
    assert "overdue" not in listing[second : listing.index("\\n", second)]


async def test_reminders_when_due_then_weekly_until_done(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await war_room(warroom)
    await typed(warroom, f"action Add schema checks --owner <@{dana}|dana> --due 2d", channel)
    told = len(dm_texts(warroom, dana))  # told once it was recorded
    await warroom.tick(2 * DAY - 1)
    assert len(dm_texts(warroom, dana)) == told
    await warroom.tick(1)
    assert "is due today" in dm_texts(warroom, dana)[-1]
    await warroom.tick(6 * DAY)
    assert len(dm_texts(warroom, dana)) == told + 1
    await warroom.tick(DAY)
    assert "still open" in dm_texts(warroom, dana)[-1]
    assert len(dm_texts(warroom, dana)) == told + 2
    await typed(warroom, "action A-1 done checks live in prod", channel, user=dana)
    after = len(dm_texts(warroom, dana))
    await warroom.tick(14 * DAY)
    assert len(dm_texts(warroom, dana)) == after


async def test_a_long_outage_sends_one_reminder_not_a_burst(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await typed(warroom, "action Add schema checks --due 1d", channel)
    await warroom.tick(30 * DAY)  # due, and four weekly reminders missed
    [item] = items(warroom)
    assert item.reminders_sent == 1
    assert item.wake_at is not None
    assert timedelta(days=6) < item.wake_at - warroom.clock.now() <= timedelta(days=7)


async def test_after_the_channel_is_archived_it_works_by_reference_from_anywhere(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await typed(warroom, "action Add schema checks", channel)
    await typed(warroom, "resolve rolled back to v41", channel)
    warroom.fake.archive(channel)
    calls_before = len(warroom.fake.calls)

    listing = await typed(warroom, "actions INC-1", warroom.general, user=p.bob)
    assert "*A-1*" in listing and "Add schema checks" in listing
    await typed(warroom, "action INC-1 Backfill the lost scores --owner me", warroom.general, p.bob)
    refused = await typed(warroom, "action INC-1 A-1 done fine", warroom.general, user=p.bob)
    assert "only its owner" in refused
    answer = await typed(warroom, "action inc-1 A-1 done checks live in prod", warroom.general)
    assert "is done" in answer
    assert [(i.number, i.status) for i in items(warroom)] == [(1, "done"), (2, "open")]
    tried = [c for c in warroom.fake.calls[calls_before:] if c.args.get("channel") == channel]
    assert tried == []  # nothing is even tried in the archived channel


async def test_a_private_incident_by_reference_is_only_for_its_people(warroom: Warroom) -> None:
    p = warroom.people
    await warroom.command("declare sev2 Chatbot leaking account data --private")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await typed(warroom, f"action Red-team the prompt filter --owner <@{p.dana}|dana>", channel)
    refused = await typed(warroom, "actions INC-1", warroom.general, user=p.bob)
    assert "private" in refused and "Red-team" not in refused
    mine = await typed(warroom, "actions INC-1", warroom.general, user=p.dana)
    assert "Red-team the prompt filter" in mine


async def test_my_action_items_are_on_my_home_overdue_first(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await war_room(warroom)
    await typed(warroom, f"action Later item --owner <@{dana}|dana> --due 30d", channel)
    await typed(warroom, f"action Early item --owner <@{dana}|dana> --due 1d", channel)
    await typed(warroom, "action Someone else's item --due 1d", channel)
    await warroom.tick(2 * DAY)
    view = await warroom.open_home(dana, "Ev-home-1")
    text = str(view["blocks"])
    assert "My action items" in text and "Someone else" not in text
    early, later = text.index("Early item"), text.index("Later item")
    assert early < later and "overdue" in text[early:later]
    await typed(warroom, "action A-2 done shipped and verified in prod", channel, user=dana)
    redrawn = str(warroom.fake.home_views[dana]["blocks"])
    assert "Early item" not in redrawn and "Later item" in redrawn
