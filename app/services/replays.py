"""Signed requests seen lately, shared by every replica through the database.

A signed request is only good within the signature window (Slack's 5 minutes), so a row is
only needed that long: older rows are pruned now and then, and a replay that comes later is
refused by the timestamp check before it gets here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from app.persistence.tables import SeenRequest
from app.services.context import ServiceContext

log = logging.getLogger(__name__)


def record_sightings(
    ctx: ServiceContext, sightings: Sequence[tuple[str, datetime]], now: datetime
) -> set[str]:
    """Record (key, signed_at) pairs in one statement; returns the keys no replica had seen.
    A key given twice counts once."""
    if not sightings:
        return set()
    rows = {key: {"key": key, "signed_at": at, "seen_at": now} for key, at in sightings}
    with ctx.db.transaction() as session:
        result = session.connection().execute(_insert_new(ctx), list(rows.values()))
        return set(result.scalars())


def _insert_new(ctx: ServiceContext) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING key: one statement, compiled once, for any
    number of rows (SQLAlchemy sends them as one multi-row INSERT)."""
    dialect = sqlite if ctx.db.engine.dialect.name == "sqlite" else postgresql
    table: Table = SeenRequest.__table__  # type: ignore[attr-defined]
    return (
        dialect.insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    )


def recent_sightings(ctx: ServiceContext, since: datetime) -> dict[str, datetime]:
    """Keys signed at or after `since`, with when they were signed."""
    with ctx.db.read() as session:
        rows = session.exec(select(SeenRequest).where(SeenRequest.signed_at >= since))
        return {row.key: row.signed_at for row in rows}


def forget_older_than(ctx: ServiceContext, window: timedelta, now: datetime) -> None:
    """Drop rows a replay could no longer use. Its own transaction, so that replicas pruning at
    once never hold up a sighting; a prune that fails is left to the next one."""
    try:
        with ctx.db.transaction() as session:
            session.execute(delete(SeenRequest).where(SeenRequest.signed_at < now - window))  # type: ignore[arg-type]
    except OperationalError as exc:
        log.warning("could not prune seen_requests (%s); trying again later", type(exc).__name__)
