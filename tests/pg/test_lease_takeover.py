"""A replica that dies mid-delivery: another one takes its work over once the lease lapses,
and what the dead replica already did in Slack is adopted, not done twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from app.persistence.tables import Incident, OutboxMessage
from app.services.context import Op
from app.services.delivery import LEASE, Work
from app.slack.gateway import METADATA_EVENT
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock, message_text
from tests.pg.replicas import Replica, StartReplica, messages_for, post_calls, settle_all


class DiesAfterSlackActs:
    """Wraps a replica's gateway: Slack carries out each call, then the process is gone
    (kill -9, OOM, lost node) before it can record the outcome, so its leases just lapse."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.done_in_slack: list[Work] = []
        self.killed = asyncio.Event()

    async def deliver(self, work: Work) -> dict[str, Any]:
        await self.gateway.deliver(work)
        self.done_in_slack.append(work)
        await self.killed.wait()
        raise asyncio.CancelledError  # a dead process records nothing


async def kill(replica: Replica, dying: DiesAfterSlackActs) -> None:
    dying.killed.set()
    await replica.stop()


async def take_over_after_lease(b: Replica, clock: FakeClock) -> None:
    clock.advance(LEASE + timedelta(seconds=1))
    b.app.scheduler.wake()
    await b.settle()


async def test_a_channel_created_by_a_dead_replica_is_adopted_not_created_again(
    start_replica: StartReplica, fake: FakeSlack, clock: FakeClock
) -> None:
    a = await start_replica()
    dying = DiesAfterSlackActs(a.app.scheduler.gateway)
    a.app.scheduler.gateway = dying
    await a.command("declare sev1 Fraud model approving every transaction")
    await fake.async_wait_for(lambda: dying.done_in_slack)
    [created] = fake.calls_to("conversations.create")
    channel_id = created.response["channel"]["id"]

    b = await start_replica()
    await b.settle(advance_clock=False)  # the lease is live: B leaves the row alone
    [row] = [r for r in b.rows(OutboxMessage) if r.op == Op.CREATE_CHANNEL.value]
    assert (row.status, row.lease_owner) == ("pending", a.app.scheduler.owner)
    await kill(a, dying)
    await take_over_after_lease(b, clock)

    assert len(fake.calls_to("conversations.create")) == 1
    [incident] = b.rows(Incident)
    assert incident.channel_id == channel_id
    assert {r.status for r in b.rows(OutboxMessage)} == {"sent"}
    kickoff = fake.messages(channel_id)[0]
    assert fake.channel(channel_id).pins == {kickoff.ts}
    assert "INC-1" in message_text(kickoff)


async def test_a_post_that_reached_slack_before_its_replica_died_is_not_posted_again(
    start_replica: StartReplica, fake: FakeSlack, clock: FakeClock
) -> None:
    a = await start_replica()
    await a.command("declare sev2 Forecast model predicting zero demand")
    await a.settle()
    channel_id = a.incident_channel(1).id
    dying = DiesAfterSlackActs(a.app.scheduler.gateway)
    a.app.scheduler.gateway = dying
    await a.command("note rolled back to forecast v12", channel=channel_id)
    await fake.async_wait_for(lambda: dying.done_in_slack)
    [note] = dying.done_in_slack
    assert len(messages_for(fake, note.id)) == 1

    b = await start_replica()
    await kill(a, dying)
    await take_over_after_lease(b, clock)

    assert len(messages_for(fake, note.id)) == 1
    [row] = [r for r in b.rows(OutboxMessage) if r.id == note.id]
    assert row.status == "sent" and row.result.get("recovered") is True
    assert row.attempts == 2
    notes = [m for m in fake.messages(channel_id) if "rolled back to forecast v12" in m.text]
    assert len(notes) == 1


async def test_a_post_whose_answer_was_lost_is_not_repeated_by_either_replica(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("declare sev2 Pricing model quoting negative premiums")
    await settle_all(a, b)
    channel_id = a.incident_channel(1).id
    a.fake.fail_next("chat.postMessage", status=500, after_effect=True)
    await a.command("note paused the pricing pipeline", channel=channel_id)
    await settle_all(a, b)

    [note] = [m for m in a.fake.messages(channel_id) if "paused the pricing pipeline" in m.text]
    [row] = [r for r in a.rows(OutboxMessage) if r.payload.get("message") == "note_added"]
    assert note.metadata == {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": row.id}}
    assert (row.status, row.attempts, row.result.get("recovered")) == ("sent", 2, True)
    assert [c.status for c in post_calls(a.fake, row.id)] == [500]  # the retry found it
