"""Outbox claims on PostgreSQL: every row goes to exactly one worker, across processes."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import select

from app.persistence.tables import OutboxMessage
from app.services.context import Op, ServiceContext
from app.services.delivery import LEASE, claim_ready, mark_retry
from tests.harness import FakeClock

ROWS = 200
WORKERS_PER_PROCESS = 4


def write_outbox_rows(ctx: ServiceContext, count: int) -> list[int]:
    with ctx.unit() as unit:
        rows = [
            unit.say(Op.POST, incident_id=None, channel="C0GENERAL", payload={"n": n})
            for n in range(count)
        ]
        return [row.id for row in rows if row.id is not None]


def claim_until_empty(
    ctx: ServiceContext, owner: str, start: threading.Barrier
) -> list[tuple[int, str]]:
    start.wait()
    claimed: list[tuple[int, str]] = []
    while work := claim_ready(ctx, owner, limit=3):
        claimed += [(w.id, owner) for w in work]
    return claimed


def test_each_outbox_row_is_claimed_by_exactly_one_worker(
    contexts: list[ServiceContext],
) -> None:
    written = write_outbox_rows(contexts[0], ROWS)
    workers = [
        (ctx, f"process-{p}-thread-{t}")
        for p, ctx in enumerate(contexts)
        for t in range(WORKERS_PER_PROCESS)
    ]
    start = threading.Barrier(len(workers))
    with ThreadPoolExecutor(len(workers)) as pool:
        futures = [pool.submit(claim_until_empty, ctx, owner, start) for ctx, owner in workers]
        claims = [claim for future in futures for claim in future.result()]

    times_claimed = Counter(row_id for row_id, _ in claims)
    assert sorted(times_claimed) == sorted(written)
    assert set(times_claimed.values()) == {1}, "some rows were claimed twice"
    owners = {owner for _, owner in claims}
    assert len(owners) > 1, "only one worker ever claimed anything: nothing ran side by side"

    claimed_by = dict(claims)
    with contexts[1].db.transaction() as session:
        stored = list(session.exec(select(OutboxMessage)))
    assert {row.id: row.lease_owner for row in stored} == claimed_by
    assert {row.attempts for row in stored} == {1}


def test_a_late_retry_from_a_stalled_replica_leaves_the_new_owners_lease_alone(
    contexts: list[ServiceContext], clock: FakeClock
) -> None:
    stalled, current = contexts
    write_outbox_rows(stalled, 1)
    [late] = claim_ready(stalled, "replica-a", limit=10)
    clock.advance(LEASE + timedelta(seconds=1))  # replica A stalls past its lease
    assert len(claim_ready(current, "replica-b", limit=10)) == 1  # B takes the row over

    mark_retry(stalled, late, timedelta(seconds=1), "slack 500 internal_error", landed=None)
    clock.advance(timedelta(seconds=5))  # well inside B's lease

    assert claim_ready(stalled, "replica-c", limit=10) == [], "claimed while B still works on it"
