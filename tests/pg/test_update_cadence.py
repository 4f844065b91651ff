"""Two replicas on one PostgreSQL database: each due update goes out exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from app.persistence.tables import OutboxMessage, StatusUpdate
from tests.pg.replicas import Replica, outbox_id, settle_all


async def test_two_replicas_send_each_due_update_exactly_once(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    for n in range(4):
        await (a, b)[n % 2].command(f"declare sev2 Drift on feature {n}")
    await settle_all(a, b)

    for _ in range(2):  # two intervals: both replicas wake at the same due time
        a.clock.advance(timedelta(minutes=30))
        a.app.scheduler.wake()
        b.app.scheduler.wake()
        await asyncio.sleep(0.2)
        await settle_all(a, b)

    rounds = Counter(u.incident_id for u in a.rows(StatusUpdate) if u.automatic)
    assert rounds == {1: 2, 2: 2, 3: 2, 4: 2}
    business = a.fake.messages(a.audience_channels["biz-updates"])
    per_incident = Counter(m.text.split("*INC-", 1)[1].split(":", 1)[0] for m in business)
    assert per_incident == {"1": 2, "2": 2, "3": 2, "4": 2}
    ids = [outbox_id(m.metadata) for c in a.fake.channels() for m in c.messages]
    repeated = [i for i, n in Counter(ids).items() if i is not None and n > 1]
    assert repeated == []
    attempts = Counter(a.deliveries.attempted + b.deliveries.attempted)
    assert {r.id: r.attempts for r in a.rows(OutboxMessage) if r.attempts} == attempts
