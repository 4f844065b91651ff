"""The executive summary: a few lines an executive reads in ten seconds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.audiences import Audience
from app.domain.decisions import SETTLED, DecisionStatus
from app.domain.errors import InvalidInput, NotAllowed
from app.domain.permissions import may_publish_widely, publishing_refusal
from app.domain.roles import COMMANDER, COMMS
from app.persistence.tables import AudienceClock, Incident
from app.rendering.approvals import ApprovalStatus
from app.rendering.context import slack_date
from app.rendering.templates import Markup
from app.services import cadence, emails
from app.services.compose import (
    Composed,
    Composer,
    Narrative,
    Unapproved,
    email_words,
    last_narrative,
)
from app.services.context import ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel

TEMPLATE = "summary"
EXECUTIVE = "executive"


@dataclass(frozen=True)
class Summary:
    incident_ref: str
    text: str
    approval: str  # what the reader should know about the wording
    posted_to: str | None = None


def summary(ctx: ServiceContext, channel_id: str) -> Summary:
    """Shown only to the person who asked."""
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        text, status = _render(ctx, session, incident, ctx.clock.now())
        return Summary(incident.ref, text, status.label)


def post_summary(ctx: ServiceContext, channel_id: str, actor: str) -> Summary:
    """Sent to the executive audience: approved wording only, by comms, commander or admins."""
    audience = ctx.audiences.get(EXECUTIVE)
    if audience is None:
        raise InvalidInput("There is no executive audience configured to send the summary to.")
    publishers = ctx.publisher_ids()  # may ask Slack: before the transaction
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        _ensure_may_post(ctx, unit, incident, actor, publishers)
        text, status, context = _rendered(ctx, unit.session, incident, unit.now)
        if not status.approved:
            fix = (
                "Have its words written into the file itself, then approved."
                if status.other_files
                else f'Ask for approval: `warroom templates approve {TEMPLATE} --by "<approver>"`.'
            )
            raise InvalidInput(
                f"The summary template is {status.label}, so it cannot go to executives. {fix}"
            )
        composed = _composed(ctx, audience, text, status, context)
        if audience.channel is not None or incident.drill:
            drilled = audience.in_incident_channel or incident.drill
            channel = None if drilled else audience.channel
            unit.post_text(incident.id, text, channel=channel, audience=audience.key)
        emails.send(unit, incident.id, composed)
        clock = unit.session.get(AudienceClock, (incident.id, audience.key))
        if clock is not None:  # it counts as the executives' update
            cadence.updated(ctx, clock, incident, unit.now)
            unit.session.add(clock)
        where = audience.destination
        unit.log(incident.id, actor, "update", f"Executive summary sent to {where}")
        return Summary(incident.ref, text, status.label, where)


def _composed(
    ctx: ServiceContext,
    audience: Audience,
    text: str,
    status: ApprovalStatus,
    context: dict[str, Any],
) -> Composed:
    """The summary as an update to the executives; its email siblings approved like it."""
    composed = Composed(audience, TEMPLATE, text, status.label)
    if audience.email is None:
        return composed
    words = email_words(ctx, audience, TEMPLATE, text, context, approval_required=True)
    if isinstance(words, Unapproved):
        raise InvalidInput(
            f"The summary's email template `{words.template}` is {words.reason}, so it cannot "
            f"go to executives. Ask for approval: `warroom templates approve {words.template} "
            f'--by "<approver>"`.'
        )
    return replace(composed, email=words)


def _render(
    ctx: ServiceContext, session: Session, incident: Incident, now: datetime
) -> tuple[str, ApprovalStatus]:
    text, status, _ = _rendered(ctx, session, incident, now)
    return text, status


def _rendered(
    ctx: ServiceContext, session: Session, incident: Incident, now: datetime
) -> tuple[str, ApprovalStatus, dict[str, Any]]:
    assert incident.id is not None
    composer = Composer(ctx, session, incident)
    narrative = last_narrative(session, incident.id)
    source = ctx.templates.source(TEMPLATE)
    status = ctx.approvals.status(TEMPLATE, source)
    context: dict[str, Any] = {
        "incident": composer.view(now),
        "update": composer.update_view(
            Narrative(narrative.what_changed, incident.impact, narrative.uncertain), "warroom", now
        ),
        "decisions_pending": composer.decisions(DecisionStatus.PENDING),
        "decisions_made": composer.decisions(*SETTLED),
        "next_update": _date(next_update(session, incident.id)),
        "clocks": composer.clocks(now),
    }
    return ctx.templates.render(TEMPLATE, source, **context), status, context


def next_update(session: Session, incident_id: int) -> datetime | None:
    return session.exec(
        select(func.min(AudienceClock.due_at)).where(
            AudienceClock.incident_id == incident_id, col(AudienceClock.due_at).is_not(None)
        )
    ).one()


def _ensure_may_post(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    actor: str,
    publishers: frozenset[str] | None,
) -> None:
    assert incident.id is not None
    holders = current_holders(unit.session, incident.id)
    comms, commander = holders.get(COMMS), holders.get(COMMANDER)
    if may_publish_widely(
        actor, comms=comms, commander=commander, admins=ctx.admins, publishers=publishers
    ):
        return
    refusal = publishing_refusal(comms, commander, ctx.admins, ctx.publishers)
    raise NotAllowed(f"{refusal} `/incident summary` shows the summary to you alone.")


def _date(moment: datetime | None) -> Markup | None:
    return slack_date(moment) if moment else None
