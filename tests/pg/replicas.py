"""Several Warroom processes on one database, driven through the test harness."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.services.delivery import Work
from app.slack.gateway import METADATA_EVENT
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom


def outbox_id(metadata: Any) -> int | None:
    """The outbox row a message was posted for, from the metadata the gateway attaches."""
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("outbox_id")


def post_calls(fake: FakeSlack, row_id: int | None = None) -> list[Any]:
    """chat.postMessage calls (any outcome), optionally only those made for one outbox row."""
    calls = fake.calls_to("chat.postMessage")
    if row_id is None:
        return calls
    return [c for c in calls if outbox_id(c.args.get("metadata")) == row_id]


def messages_for(fake: FakeSlack, row_id: int) -> list[Any]:
    """Every message in the workspace that was posted for one outbox row."""
    return [m for c in fake.channels() for m in c.messages if outbox_id(m.metadata) == row_id]


class RecordingGateway:
    """Passes deliveries through to the real gateway, noting which outbox rows it carried."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.attempted: list[int] = []

    async def deliver(self, work: Work) -> dict[str, Any]:
        self.attempted.append(work.id)
        return await self.gateway.deliver(work)


@dataclass
class Replica(Warroom):
    """A Warroom process; only the first one seeds the fake workspace."""

    seed: bool = True
    stopped: bool = False
    deliveries: RecordingGateway = field(init=False)

    async def start(self) -> Replica:
        await super().start()
        self.deliveries = RecordingGateway(self.app.scheduler.gateway)
        self.app.scheduler.gateway = self.deliveries
        return self

    def _seed_workspace(self) -> None:
        if self.seed:
            super()._seed_workspace()
            return
        general = self.fake.channel_by_name("general")
        announcements = self.fake.channel_by_name("incidents")
        assert general and announcements, "start the seeding replica first"
        self.general, self.announcements = general.id, announcements.id

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await super().stop()


StartReplica = Callable[[], Awaitable[Replica]]  # the `start_replica` fixture


async def settle_all(*replicas: Warroom, timeout: float = 20.0) -> None:
    """Settle every replica in turn until a whole round makes no Slack call."""
    fake = replicas[0].fake
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = len(fake.calls)
        for replica in replicas:
            await replica.settle()
        if len(fake.calls) == before:
            return
    raise AssertionError("the replicas did not settle together in time")
