"""The update cadence, with the clock injected: a 30-minute rhythm runs in milliseconds."""

from __future__ import annotations

from app.persistence.tables import StatusUpdate
from tests.harness import Warroom

BIZ, EXEC, CUSTOMER = "biz-updates", "exec-updates", "customer-comms"


async def declared(warroom: Warroom, text: str) -> str:
    await warroom.command(text)
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


def updates_in(warroom: Warroom, channel_id: str, marker: str = "INC-1") -> list[str]:
    return [t for t in warroom.texts(channel_id) if marker in t and "update" in t.lower()]


def automatic_rounds(warroom: Warroom) -> list[list[str]]:
    return [u.audiences for u in warroom.rows(StatusUpdate) if u.automatic]


async def test_updates_go_out_every_interval_to_the_audiences_of_the_severity(
    warroom: Warroom,
) -> None:
    channel = await declared(warroom, "declare sev2 Drift on transaction_amount")
    await warroom.command(f"assign comms <@{warroom.people.dana}>", channel=channel)
    await warroom.settle()

    await warroom.tick(29)
    assert automatic_rounds(warroom) == []  # not due yet
    await warroom.tick(1)
    assert automatic_rounds(warroom) == [["technical", "business"]]
    technical = warroom.said(channel, ":mega: *INC-1 update*")
    assert "SEV2 (High)" in technical and "Dana" not in technical
    assert "*Next update:*" in technical
    business = warroom.said(warroom.audience_channels[BIZ], "INC-1: Drift on transaction_amount")
    assert "*Business impact:*" in business
    ask = warroom.said(channel, "Please add the human side")
    assert f"<@{warroom.people.dana}>" in ask  # the comms holder is asked for the narrative
    assert warroom.texts(warroom.audience_channels[EXEC]) == []  # sev1 and above only

    await warroom.tick(5)
    await warroom.command("note PSI 0.31 on transaction_amount", channel=channel)
    await warroom.settle()
    await warroom.tick(25)
    assert automatic_rounds(warroom) == [["technical", "business"]] * 2
    assert "PSI 0.31 on transaction_amount" in warroom.said(channel, ":mega: *INC-1 update*")


async def test_a_human_update_resets_the_clock(warroom: Warroom) -> None:
    channel = await declared(warroom, "declare sev2 Drift on transaction_amount")
    await warroom.tick(20)
    await warroom.publish_update(
        channel, what_changed="Rolled back to v41", audiences=["technical", "business"]
    )
    await warroom.tick(15)  # 35 minutes in: the automatic update would have been due at 30
    assert automatic_rounds(warroom) == []
    assert len(updates_in(warroom, warroom.audience_channels[BIZ])) == 1
    await warroom.tick(15)  # 30 minutes after the human update
    assert automatic_rounds(warroom) == [["technical", "business"]]


async def test_raising_severity_after_quiet_minutes_makes_an_update_due_at_once(
    warroom: Warroom,
) -> None:
    channel = await declared(warroom, "declare sev3 Chatbot answers drifting")
    await warroom.tick(40)
    assert automatic_rounds(warroom) == []  # sev3: hourly
    await warroom.command("severity sev1 harmful answers confirmed", channel=channel)
    await warroom.settle()
    assert automatic_rounds(warroom) == [["technical", "business", "executive"]]
    executive = warroom.said(warroom.audience_channels[EXEC], "INC-1")
    assert "SEV1 Critical" in executive


async def test_resolving_stops_the_cadence_and_closes_with_those_who_heard(
    warroom: Warroom,
) -> None:
    channel = await declared(warroom, "declare sev2 Feature store down")
    await warroom.tick(30)
    await warroom.command("resolve fixed the feature store", channel=channel)
    await warroom.settle()
    assert "fixed the feature store" in warroom.said(channel, "INC-1 resolved")
    assert warroom.said(warroom.audience_channels[BIZ], "INC-1 is resolved")
    assert warroom.texts(warroom.audience_channels[EXEC]) == []  # never heard of it
    assert warroom.texts(warroom.audience_channels[CUSTOMER]) == []
    before = len(warroom.fake.calls_to("chat.postMessage"))
    await warroom.tick(180)
    assert len(warroom.fake.calls_to("chat.postMessage")) == before


async def test_manual_audiences_are_reminded_then_the_commander_told_privately(
    warroom: Warroom,
) -> None:
    p = warroom.people
    channel = await declared(warroom, "declare sev1 Fraud model precision dropped 15%")
    await warroom.command(f"assign comms <@{p.dana}>", channel=channel)
    await warroom.settle()
    await warroom.tick(30)
    assert automatic_rounds(warroom) == [["technical", "business", "executive"]]
    due = warroom.said(channel, "needs a person to publish it")
    assert "Customer, Regulator" in due and f"<@{p.dana}>" in due and f"<@{p.alice}>" in due
    assert warroom.texts(warroom.audience_channels[CUSTOMER]) == []  # never automatic
    assert warroom.fake.im_with(p.alice) is None

    await warroom.tick(14)
    assert warroom.fake.im_with(p.alice) is None  # not yet overdue by half an interval
    await warroom.tick(1)
    dm = warroom.fake.im_with(p.alice)
    assert dm is not None
    assert "overdue" in warroom.said(dm.id, "Customer, Regulator")
    await warroom.tick(10)
    assert len(warroom.texts(dm.id)) == 1  # told once, not nagged every tick


async def test_private_incidents_only_update_their_own_channel(warroom: Warroom) -> None:
    channel = await declared(warroom, "declare sev1 Model leaking personal data --private")
    await warroom.tick(30)
    assert automatic_rounds(warroom) == [["technical"]]
    for name in (BIZ, EXEC, CUSTOMER):
        assert warroom.texts(warroom.audience_channels[name]) == []
    assert not any("needs a person to publish" in t for t in warroom.texts(channel))


async def test_sev4_has_no_cadence(warroom: Warroom) -> None:
    await declared(warroom, "declare sev4 Dashboard lag on drift monitor")
    await warroom.tick(600)
    assert automatic_rounds(warroom) == []


async def test_after_downtime_each_incident_gets_one_catch_up_update(warroom: Warroom) -> None:
    channel = await declared(warroom, "declare sev2 Drift on transaction_amount")
    await warroom.stop()  # the bot is down for two hours: four intervals
    warroom.clock.advance(__import__("datetime").timedelta(hours=2))
    restarted = Warroom(warroom.fake, warroom.database_url, clock=warroom.clock, seed=False)
    await restarted.start()
    try:
        await restarted.settle()
        assert automatic_rounds(restarted) == [["technical", "business"]]
        assert len(updates_in(restarted, channel, ":mega:")) == 1
    finally:
        await restarted.stop()
        warroom.seed = False
        await warroom.start()  # the fixture stops it again


async def test_an_overdue_notice_without_comms_names_who_can_publish(warroom: Warroom) -> None:
    channel = await declared(warroom, "declare sev1 Fraud model precision dropped 15%")
    await warroom.tick(30)
    await warroom.tick(15)
    dm = warroom.fake.im_with(warroom.people.alice)
    assert dm is not None
    told = warroom.said(dm.id, "is overdue")
    assert "_unassigned_" not in told and f"ask <@{warroom.people.alice}> to" in told
    assert channel
