"""Keeping the database bounded: old operational rows go, what an audit needs stays."""

from __future__ import annotations

from datetime import timedelta

from app.config import WarroomConfig
from app.persistence.tables import (
    Decision,
    HomeViewer,
    Incident,
    JobRun,
    OutboxMessage,
    ProcessedEvent,
    StatusUpdate,
    TimelineEntry,
    UpdateDraft,
)
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.integration.test_lifecycle import pin_event


async def _a_busy_incident(warroom: Warroom) -> str:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    await warroom.command("note rolled back to v41", channel=channel)
    await warroom.command("decision Switch to the rule-based fallback?", channel=channel)
    ts = warroom.fake.add_message(channel, "PSI 0.31", user=warroom.people.bob)
    await pin_event(warroom, channel, ts, "Ev1")
    await warroom.publish_update(channel, what_changed="Fallback live")
    await warroom.open_home(warroom.people.alice, "Ev2")
    await warroom.settle()
    return channel


async def test_old_operational_rows_are_pruned_and_the_record_is_kept(warroom: Warroom) -> None:
    channel = await _a_busy_incident(warroom)
    kept = {
        table: len(warroom.rows(table))
        for table in (Incident, TimelineEntry, Decision, StatusUpdate)
    }
    assert all(kept.values())
    await warroom.tick(8 * 24 * 60)  # eight days: events and drafts are past their 7 days
    assert warroom.rows(ProcessedEvent) == [] and warroom.rows(UpdateDraft) == []
    assert warroom.rows(OutboxMessage)  # 30 days for those
    assert warroom.rows(HomeViewer)

    await warroom.command("resolve", channel=channel)  # the decision is still pending
    await warroom.command("decision close D-1 no longer needed", channel=channel)
    await warroom.command("resolve fallback holds", channel=channel)
    await warroom.settle()
    # Done, so no daily post-mortem reminders keep writing rows while time runs on.
    await warroom.command("postmortem done https://wiki.example.com/inc-1", channel=channel)
    await warroom.settle()
    for _ in range(3):
        await warroom.tick(31 * 24 * 60)  # a month on, in a few rounds

    assert warroom.rows(HomeViewer) == []
    left = warroom.rows(OutboxMessage)
    assert all(r.status == "pending" for r in left), [(r.id, r.op, r.status) for r in left]
    after = {table: len(warroom.rows(table)) for table in kept}
    assert all(after[table] >= count for table, count in kept.items()), (kept, after)


async def test_a_pending_decisions_message_outlives_the_outbox_retention(
    warroom: Warroom,
) -> None:
    """Its buttons are edited into the outcome whenever it is made, however late."""
    await warroom.command("declare sev3 Drift on transaction_amount")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    await warroom.command("decision Retrain on fresh data? --due 40d", channel=channel)
    await warroom.settle()
    await warroom.tick(35 * 24 * 60)
    await warroom.command("decide D-1 approve the new labels are in", channel=channel)
    await warroom.settle()
    asked = next(m for m in warroom.fake.messages(channel) if "Retrain on fresh data" in m.text)
    assert "Approve" in str(asked.blocks) and not any(
        b.get("type") == "actions" for b in asked.blocks
    )


async def test_retention_is_configurable(fake: FakeSlack, sqlite_url: str) -> None:
    config = WarroomConfig.model_validate({"retention": {"processed_events": "1h"}})
    room = Warroom(fake, sqlite_url, config=config)
    await room.start()
    try:
        await room.command("declare sev3 Drift on transaction_amount")
        await room.settle()
        channel = room.incident_channel(1).id
        ts = room.fake.add_message(channel, "PSI 0.31", user=room.people.bob)
        await pin_event(room, channel, ts, "Ev9")
        await room.settle()
        await room.tick(2 * 60)
        assert room.rows(ProcessedEvent) == []
        [job] = [j for j in room.rows(JobRun) if j.name == "retention"]
        assert job.next_run_at - room.clock.now() <= timedelta(hours=1)
    finally:
        await room.stop()
