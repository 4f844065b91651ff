"""Signed requests seen lately, shared by every replica through the database.

A signed request is only good within the signature window (Slack's 5 minutes), so a row is
only needed that long: older rows are pruned now and then, and a replay that comes later is
refused by the timestamp check before it gets here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError

from app.persistence.tables import SeenRequest
from app.services.context import ServiceContext

log = logging.getLogger(__name__)


def first_sighting(ctx: ServiceContext, key: str, signed_at: datetime, now: datetime) -> bool:
    """Record the request; False when any replica recorded it already (a replay)."""
    try:
        with ctx.db.transaction() as session:
            session.add(SeenRequest(key=key, signed_at=signed_at, seen_at=now))
    except IntegrityError:
        return False
    return True


def forget_older_than(ctx: ServiceContext, window: timedelta, now: datetime) -> None:
    """Drop rows a replay could no longer use. Its own transaction, so that replicas pruning at
    once never hold up a sighting; a prune that fails is left to the next one."""
    try:
        with ctx.db.transaction() as session:
            session.execute(delete(SeenRequest).where(SeenRequest.signed_at < now - window))  # type: ignore[arg-type]
    except OperationalError as exc:
        log.warning("could not prune seen_requests (%s); trying again later", type(exc).__name__)
