"""The two questions the scheduler asks of every kind of due work kept in a `wake_at` column:
when is the next one, and which are due now (oldest first, a batch at a time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from app.services.context import ServiceContext


def next_wake(ctx: ServiceContext, wake_at: Any) -> datetime | None:
    """The earliest `wake_at` still to come."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found: datetime | None = session.exec(
            select(func.min(wake_at)).where(col(wake_at) > now)
        ).one()
    return found


def due(ctx: ServiceContext, key: Any, wake_at: Any, limit: int) -> list[Any]:
    """The keys of rows whose `wake_at` has come, the longest waiting first (ties by key)."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        return list(
            session.exec(
                select(key).where(col(wake_at) <= now).order_by(col(wake_at), col(key)).limit(limit)
            ).all()
        )
