"""The daily digest in the executive audience's channel (and email): what is active, what was
decided.

Once a day at the configured local time. The day's row in `digest_runs` is inserted in the
same transaction as the post, and its primary key lets only one replica have it; nothing is
posted on a day with nothing to say.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.config import DigestConfig
from app.domain.decisions import DecisionStatus
from app.domain.status import Status
from app.persistence.tables import Decision, DigestRun, Incident
from app.rendering.context import decision_view, incident_view
from app.rendering.email import EmailWords, default_subject
from app.services import emails
from app.services.compose import Composed
from app.services.context import ServiceContext
from app.services.lookup import snapshot

log = logging.getLogger(__name__)
TEMPLATE = "digest"
AUDIENCE = "executive"


def digest_time(config: DigestConfig, day: date) -> datetime:
    at = config.local_time()
    return datetime.combine(day, at.replace(tzinfo=None), ZoneInfo(config.timezone))


def today(config: DigestConfig, now: datetime) -> date:
    return now.astimezone(ZoneInfo(config.timezone)).date()


def next_wake(ctx: ServiceContext) -> datetime | None:
    """Today's digest time if it is still to come and not done, else tomorrow's."""
    config = ctx.config.digest
    if config is None or ctx.audiences.get(AUDIENCE) is None:
        return None
    now = ctx.clock.now()
    day = today(config, now)
    with ctx.db.read() as session:
        done = session.get(DigestRun, day.isoformat()) is not None
    moment = digest_time(config, day)
    return digest_time(config, day + timedelta(days=1)) if done or moment <= now else moment


def run_due(ctx: ServiceContext) -> bool:
    """Post today's digest if it is time and no replica has done it yet."""
    config, audience = ctx.config.digest, ctx.audiences.get(AUDIENCE)
    if config is None or audience is None:
        return False
    now = ctx.clock.now()
    day = today(config, now)
    if now < digest_time(config, day):
        return False
    with ctx.db.read() as session:  # usually done already: no write lock for finding that out
        if session.get(DigestRun, day.isoformat()) is not None:
            return False
    try:
        with ctx.unit() as unit:
            if unit.session.get(DigestRun, day.isoformat()) is not None:
                return False
            run = DigestRun(day=day.isoformat(), ran_at=now)
            unit.session.add(run)
            unit.session.flush()  # a second replica fails here, before saying anything
            text = compose(ctx, unit.session, now, day)
            if text is not None:
                if audience.channel is not None:
                    unit.post_text(None, text, channel=audience.channel)
                words = EmailWords(default_subject(text))  # no HTML sibling for the digest
                emails.send(unit, None, Composed(audience, TEMPLATE, text, None, email=words))
                run.posted = True
            return run.posted
    except IntegrityError:
        return False


def compose(ctx: ServiceContext, session: Session, now: datetime, day: date) -> str | None:
    """The digest's words, or None when there is nothing to say."""
    since = now - timedelta(days=1)
    incidents = list(
        session.exec(
            select(Incident)
            .where(Incident.status != Status.RESOLVED.value)
            .where(col(Incident.private).is_(False))
            .where(col(Incident.drill).is_(False))  # exercises are not news for executives
            .order_by(col(Incident.id))
        )
    )
    made = list(
        session.exec(
            select(Decision).where(
                col(Decision.decided_at) >= since, Decision.status != DecisionStatus.PENDING.value
            )
        )
    )
    pending = list(
        session.exec(select(Decision).where(Decision.status == DecisionStatus.PENDING.value))
    )
    visible = {i.id: i for i in incidents}
    made = [d for d in made if not _private(session, d)]
    pending = [d for d in pending if d.incident_id in visible]
    if not (incidents or made or pending):
        return None
    catalog = {r.key: r for r in ctx.roles}
    views = [
        incident_view(snapshot(session, i, ctx.severities, ctx.roles, ctx.catalog), catalog, now)
        for i in incidents
    ]
    return ctx.templates.render(
        TEMPLATE,
        day=day.strftime("%A %-d %B %Y"),
        incidents=views,
        decisions_made=[_item(session, d) for d in made],
        decisions_pending=[_item(session, d) for d in pending],
    )


def _private(session: Session, decision: Decision) -> bool:
    incident = session.get(Incident, decision.incident_id)
    return incident is None or incident.private or incident.drill


def _item(session: Session, decision: Decision) -> dict[str, Any]:
    incident = session.get(Incident, decision.incident_id)
    return {"incident": incident.ref if incident else "", "decision": decision_view(decision)}
