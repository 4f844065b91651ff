"""The executive view: the summary, the App Home, and the daily digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app.persistence.tables import DigestRun
from tests.harness import FakeClock, Warroom


async def declare(warroom: Warroom, text: str, user: str | None = None) -> str:
    before = {c.id for c in warroom.fake.channels()}
    await warroom.command(text, user=user)
    await warroom.settle()
    [channel] = [c.id for c in warroom.fake.channels() if c.id not in before and not c.is_im]
    return str(channel)


async def test_the_summary_is_private_until_posted_to_the_executives(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declare(warroom, "declare sev1 Fraud model precision dropped 15%")
    await warroom.command(f"assign comms <@{p.dana}>", channel=channel)
    await warroom.command('decision Roll back to v41? --options "Roll back|Hold"', channel=channel)
    await warroom.settle()
    shown = await warroom.command("summary", user=p.bob, channel=channel)
    text = await shown.wait_for_later(lambda r: "INC-1" in r)
    assert "SEV1 Critical" in text and "1 pending" in text and "Roll back to v41?" in text
    assert "Only you can see this" in text and "approved by" in text
    assert warroom.texts(warroom.audience_channels["exec-updates"]) == []

    refused = await warroom.command("summary post", user=p.bob, channel=channel)
    await warroom.command("summary post", user=p.dana, channel=channel)
    await warroom.settle()
    assert f"only the comms holder (<@{p.dana}>) or the commander (<@{p.alice}>)" in (
        refused.everything
    )
    [posted] = warroom.texts(warroom.audience_channels["exec-updates"])
    assert "INC-1 · SEV1 Critical" in posted and "Roll back to v41?" in posted


async def test_app_home_shows_incidents_roles_and_decisions_waiting(warroom: Warroom) -> None:
    p = warroom.people
    sev1 = await declare(warroom, "declare sev1 Fraud model precision dropped 15%")
    await declare(warroom, "declare sev3 Search ranking model timing out", user=p.carol)
    await declare(warroom, "declare sev2 Model leaking personal data --private", user=p.bob)
    await warroom.command(f"decision Roll back to v41? --owner <@{p.dana}>", channel=sev1)
    await warroom.command("assign scribe me", user=p.dana, channel=sev1)
    await warroom.settle()

    dana = json.dumps(await warroom.open_home(p.dana, "EvHome1"), ensure_ascii=False)
    assert "Active incidents (2)" in dana  # the private one is not hers to see
    assert dana.index("SEV1 · Critical") < dana.index("SEV3 · Moderate")
    assert "Model leaking personal data" not in dana
    assert "*D-1*" in dana and "Roll back to v41?" in dana  # waiting on her
    assert "Scribe in *INC-1*" in dana
    bob = json.dumps(await warroom.open_home(p.bob, "EvHome2"), ensure_ascii=False)
    assert "Active incidents (3)" in bob and "Model leaking personal data" in bob
    assert "Commander in *INC-3*" in bob


async def test_app_home_is_redrawn_when_something_on_it_changes(warroom: Warroom) -> None:
    channel = await declare(warroom, "declare sev3 Drift on transaction_amount")
    first = json.dumps(await warroom.open_home(warroom.people.dana, "EvHome3"), ensure_ascii=False)
    assert "SEV3 · Moderate" in first
    await warroom.command("severity sev1 losses growing", channel=channel)
    await warroom.settle()
    redrawn = json.dumps(warroom.fake.home_views[warroom.people.dana], ensure_ascii=False)
    assert "SEV1 · Critical" in redrawn and "SEV3 · Moderate" not in redrawn


async def test_the_daily_digest_runs_once_and_only_with_something_to_say(
    fake,
    sqlite_url: str,  # type: ignore[no-untyped-def]
) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    room = Warroom(fake, sqlite_url, clock=clock)
    await room.start()
    try:
        channel = await declare(room, "declare sev3 Drift on transaction_amount")
        await room.command("decision Retrain on last week's data?", channel=channel)
        await room.settle()
        await room.command("decide D-1 approve drift is seasonal", channel=channel)
        await room.tick(59)
        executive = room.audience_channels["exec-updates"]
        assert room.texts(executive) == []  # 07:59: not yet
        await room.tick(1)
        [digest] = room.texts(executive)
        assert "Incident digest for Monday 23 November 2026" in digest
        assert "INC-1" in digest and "Retrain on last week's data?" in digest
        assert "*Approve*" in digest and "drift is seasonal" in digest
        await room.tick(120)
        assert len(room.texts(executive)) == 1  # once a day

        await room.command("resolve drift was seasonal", channel=channel)
        await room.tick(24 * 60)  # the next day: nothing active, nothing decided in a day
        assert len(room.texts(executive)) == 1
        runs = {r.day: r.posted for r in room.rows(DigestRun)}
        assert runs == {"2026-11-23": True, "2026-11-24": False}
    finally:
        await room.stop()


async def test_app_home_follows_the_next_update_time(warroom: Warroom) -> None:
    await declare(warroom, "declare sev2 Drift on transaction_amount")
    before = json.dumps(await warroom.open_home(warroom.people.dana, "EvHome4"))
    await warroom.tick(30)  # an automatic update went out: the next one is 30 minutes later
    after = json.dumps(warroom.fake.home_views[warroom.people.dana])
    assert before != after and "next update" in after
