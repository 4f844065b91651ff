"""Keeping the database bounded: old operational rows are pruned, once across replicas.

What is pruned: delivered, dead and superseded outbox rows (they hold response_urls), event IDs
remembered against Slack's retries, update drafts, Home viewers, faults left open when their
incident ended; each after its `retention:` period. Never pruned: incidents, the timeline,
decisions, updates, roles, anything an audit needs.

The scheduler calls `run_due` every tick. Each call deletes one batch, sized to take about
BATCH_TARGET, in its own short transaction, so pruning a million rows never holds the database
(or SQLite's single writer) for long; while old rows remain the job stays due, and once none
do it rests until the next round (EVERY). The job's row is locked while a batch runs, so with
several replicas one of them does each batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, exists, not_, select
from sqlmodel import Session, col

from app.config import RetentionConfig
from app.persistence.tables import (
    AlertProposal,
    Decision,
    Fault,
    HomeViewer,
    Incident,
    JobRun,
    OutboxMessage,
    ProcessedEvent,
    UpdateDraft,
)
from app.services.context import ServiceContext

log = logging.getLogger(__name__)
JOB = "retention"
EVERY = timedelta(hours=1)
GAP = timedelta(milliseconds=50)  # between batches while old rows remain
BATCH_TARGET = 0.03  # seconds a batch should take: well under 100 ms of holding the database
FIRST_BATCH, MIN_BATCH, MAX_BATCH = 500, 100, 20_000
FINISHED = ("sent", "dead", "superseded")


@dataclass(frozen=True)
class Kind:
    """One kind of row to prune: its table and the condition that makes a row old."""

    name: str
    table: Table
    key: Any  # the primary key column, to delete a batch by
    old: Callable[[RetentionConfig, datetime], Any]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _outbox_is_old(config: RetentionConfig, now: datetime) -> Any:
    outbox = _table(OutboxMessage)
    row, later = outbox.c, outbox.alias("later").c
    asked = _table(Decision).c
    incident, proposal = _table(Incident).c, _table(AlertProposal).c
    return and_(
        row.status.in_(FINISHED),
        row.sent_at < now - config.outbox,
        # Kept while another row points at it (a decision's message is edited in place when
        # the decision is made, however late: its post is the row the edit depends on).
        not_(exists().where(later.depends_on == row.id)),
        not_(exists().where(asked.message_outbox_id == row.id, asked.status == "pending")),
        # Likewise an open incident's alerts message and an open proposal: alerts may repeat
        # for as long as either is open, and each repeat edits the message in place.
        not_(exists().where(incident.alerts_outbox_id == row.id, incident.status != "resolved")),
        not_(exists().where(proposal.message_outbox_id == row.id, proposal.status == "open")),
    )


KINDS = [
    Kind("outbox", _table(OutboxMessage), _table(OutboxMessage).c.id, _outbox_is_old),
    Kind(
        "processed_events",
        _table(ProcessedEvent),
        _table(ProcessedEvent).c.event_id,
        lambda c, now: _table(ProcessedEvent).c.received_at < now - c.processed_events,
    ),
    Kind(
        "drafts",
        _table(UpdateDraft),
        _table(UpdateDraft).c.id,
        lambda c, now: _table(UpdateDraft).c.created_at < now - c.drafts,
    ),
    Kind(
        "home_viewers",
        _table(HomeViewer),
        _table(HomeViewer).c.user_id,
        lambda c, now: _table(HomeViewer).c.opened_at < now - c.home_viewers,
    ),
    Kind(
        "faults",
        _table(Fault),
        _table(Fault).c.key,
        lambda c, now: _table(Fault).c.last_at < now - c.faults,
    ),
]


class Pruner:
    """Remembers the batch size that keeps a batch near BATCH_TARGET (per process)."""

    def __init__(self) -> None:
        self.batch = FIRST_BATCH

    def run_due(self, ctx: ServiceContext) -> int:
        """Prune one batch if the job is due and no other replica is at it; rows deleted."""
        now = ctx.clock.now()
        due = _next_run(ctx)
        if due is not None and due > now:
            return 0  # the usual answer, found without taking the write lock
        with ctx.db.transaction() as session:
            job = _claim(session, now)
            if job is None:
                return 0
            started = time.perf_counter()
            deleted, kind = self._one_batch(session, ctx.config.retention, now)
            job.last_run_at = now
            job.next_run_at = now + (GAP if deleted else EVERY)  # more may remain
            session.add(job)
        self._adapt(time.perf_counter() - started)
        if deleted:
            log.debug("retention: pruned %s %s rows (batch %s)", deleted, kind, self.batch)
        return deleted

    def _one_batch(
        self, session: Session, config: RetentionConfig, now: datetime
    ) -> tuple[int, str]:
        for kind in KINDS:
            doomed = select(kind.key).where(kind.old(config, now)).limit(self.batch)
            keys = list(session.execute(doomed).scalars())
            if keys:
                session.execute(delete(kind.table).where(kind.key.in_(keys)))
                return len(keys), kind.name
        return 0, ""

    def _adapt(self, seconds: float) -> None:
        """Grow slowly toward BATCH_TARGET; shrink at once when a batch took too long."""
        wanted = int(self.batch * BATCH_TARGET / max(seconds, 1e-6))
        self.batch = max(MIN_BATCH, min(MAX_BATCH, wanted, self.batch * 5 // 4))


def _claim(session: Session, now: datetime) -> JobRun | None:
    """The job's row, locked, when it is due; None when not due or another replica has it."""
    query = select(JobRun).where(col(JobRun.name) == JOB).with_for_update(skip_locked=True)
    job = session.execute(query).scalars().first()
    if job is None:
        if session.get(JobRun, JOB) is not None:
            return None  # locked by another replica
        job = JobRun(name=JOB, next_run_at=now)
        session.add(job)
        session.flush()  # a replica creating it at the same moment fails here, harmlessly
    return job if job.next_run_at <= now else None


PRUNER = Pruner()  # one per process: the batch size it learned is this machine's


def run_due(ctx: ServiceContext) -> int:
    return PRUNER.run_due(ctx)


def next_wake(ctx: ServiceContext) -> datetime | None:
    """When the job is next due (now, the first time)."""
    return _next_run(ctx) or ctx.clock.now()


def _next_run(ctx: ServiceContext) -> datetime | None:
    with ctx.db.read() as session:
        job = session.get(JobRun, JOB)
    return job.next_run_at if job is not None else None
