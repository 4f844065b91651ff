"""Warroom's own health as the shared database tells it, read when Prometheus asks: the
same on every replica."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, func, text
from sqlmodel import col, select

from app.domain.status import Status
from app.persistence.tables import Incident, OutboxMessage
from app.services.context import ServiceContext

READ_TIMEOUT = timedelta(seconds=2)  # a scrape never waits longer on a slow database
OUTBOX_STATES = ("pending", "leased", "dead")


@dataclass(frozen=True)
class SharedNumbers:
    """What every replica reads alike from the shared database."""

    outbox: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, state) -> rows
    active: Counter[str] = field(default_factory=Counter)  # severity -> open incidents


def shared_numbers(ctx: ServiceContext) -> SharedNumbers:
    """Outbox rows waiting (pending), being delivered (leased) and given up (dead) by kind,
    and open incidents by severity (drills left out): two grouped queries in one snapshot."""
    now = ctx.clock.now()
    outbox = OutboxMessage.__table__.c  # type: ignore[attr-defined]
    leased = and_(outbox.status == "pending", outbox.lease_until > now)
    state = case((leased, "leased"), else_=outbox.status).label("state")
    with ctx.db.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            millis = int(READ_TIMEOUT.total_seconds() * 1000)
            session.execute(text(f"SET LOCAL statement_timeout = {millis}"))
        rows = session.execute(
            select(outbox.op, state, func.count())
            .where(outbox.status.in_(("pending", "dead")))  # the (status, not_before) index
            .group_by(outbox.op, state)
        ).all()
        active = session.exec(
            select(Incident.severity, func.count())
            .where(Incident.status != Status.RESOLVED.value, col(Incident.drill).is_(False))
            .group_by(col(Incident.severity))
        ).all()
    return SharedNumbers(
        Counter({(str(kind), str(state)): int(n) for kind, state, n in rows}),
        Counter({str(severity): int(n) for severity, n in active}),
    )
