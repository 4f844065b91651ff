"""Reading the public status page from the database: the posts of open incidents and of those
published to in the last 90 days, as plain text in the page's time zone.

`version` is what the page depends on besides the configuration: the newest post (posts are
only ever added) and the page's day (the history's 90 days move at midnight). It is one
indexed query, so any replica can ask it cheaply to know whether its cached page is current.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.domain.public_text import plain_text
from app.domain.status_page import (
    HISTORY_DAYS,
    RESOLVED,
    Post,
    StatusPage,
    build_page,
    component_defs,
)
from app.persistence.tables import StatusPost
from app.services.context import ServiceContext
from app.status_page_config import StatusPageConfig

Version = tuple[int, date]  # (newest post id, the page's day)


def version(ctx: ServiceContext, config: StatusPageConfig) -> Version:
    with ctx.db.read() as session:
        return _newest(session), _today(ctx, config)


def read_page(ctx: ServiceContext, config: StatusPageConfig) -> tuple[Version, StatusPage]:
    """The page, and the version it was read at (in the same snapshot)."""
    today = _today(ctx, config)
    zone = config.zone
    since = datetime.combine(today - timedelta(days=HISTORY_DAYS - 1), time(), zone)
    with ctx.db.read() as session:
        newest = _newest(session)
        rows = list(session.exec(_shown(since)))
    posts = [
        Post(
            id=row.id or 0,
            incident=row.public_id,
            at=row.at,
            kind=row.kind,
            status=row.status,
            impact=row.impact,
            text=plain_text(row.text, zone),
            refs=tuple(row.affects),
        )
        for row in rows
    ]
    page = build_page(posts, component_defs(ctx.catalog), today, zone)
    return (newest, today), page


def _newest(session: Session) -> int:
    return session.exec(select(func.max(StatusPost.id))).one() or 0


def _today(ctx: ServiceContext, config: StatusPageConfig) -> date:
    return ctx.clock.now().astimezone(config.zone).date()


def _shown(since: datetime) -> SelectOfScalar[StatusPost]:
    """Every post of an incident published to since `since`, or still open on the page (its
    latest post is not the resolution notice)."""
    latest = select(func.max(StatusPost.id)).group_by(col(StatusPost.incident_id))
    still_open = select(StatusPost.incident_id).where(
        col(StatusPost.id).in_(latest), StatusPost.status != RESOLVED
    )
    recent = select(StatusPost.incident_id).where(col(StatusPost.at) >= since)
    return (
        select(StatusPost)
        .where(
            or_(
                col(StatusPost.incident_id).in_(recent), col(StatusPost.incident_id).in_(still_open)
            )
        )
        .order_by(col(StatusPost.at), col(StatusPost.id))
    )
