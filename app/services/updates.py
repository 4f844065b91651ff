"""Publishing an update by hand: the form's choices, a preview of every audience's words, and
publishing the previewed draft exactly once (a double press publishes once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.domain.audiences import Audience
from app.domain.cadence import next_due
from app.domain.errors import FormProblem, NotFound
from app.domain.metrics import due_record
from app.domain.permissions import may_publish_widely, publishing_refusal, publishing_rule
from app.domain.roles import COMMANDER, COMMS
from app.domain.text import escape, mention
from app.persistence.tables import AudienceClock, Incident, StatusUpdate, UpdateDraft
from app.services import cadence
from app.services.compose import Composed, Composer, Narrative
from app.services.context import ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel
from app.services.outbox_messages import UpdateDue

MAX_FIELD = 2000


@dataclass(frozen=True)
class AudienceChoice:
    audience: Audience
    default: bool
    approval: str  # what a person publishing should know about the wording
    allowed: bool


@dataclass(frozen=True)
class UpdateForm:
    incident_ref: str
    impact: str
    choices: list[AudienceChoice]
    who_publishes: str  # the rule, beside the audiences this person may not choose


@dataclass(frozen=True)
class Speakers:
    """Who may publish beyond the incident channel: the people the rule looks at."""

    comms: str | None
    commander: str | None
    publishers: frozenset[str] | None  # None: not configured


@dataclass(frozen=True)
class Preview:
    draft_id: int
    incident_ref: str
    composed: list[Composed]


@dataclass(frozen=True)
class Published:
    incident_ref: str
    sent: list[str]
    held_back: list[str]
    already: bool = False


def update_form(ctx: ServiceContext, channel_id: str, actor: str) -> UpdateForm:
    publishers = ctx.publisher_ids()
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        steering = _may_publish_widely(ctx, _speakers(session, incident, publishers), actor)
        following = {
            a.key
            for a in ctx.audiences.following(incident.severity, incident.private, ctx.severities)
        }
        choices = [
            AudienceChoice(
                a, a.key in following, _approval_label(ctx, a), a.in_incident_channel or steering
            )
            for a in ctx.audiences
        ]
        rule = publishing_rule(ctx.publishers)
        return UpdateForm(incident.ref, incident.impact, choices, rule)


def preview_update(
    ctx: ServiceContext, channel_id: str, actor: str, narrative: Narrative, keys: Iterable[str]
) -> Preview:
    narrative = _checked(narrative)
    publishers = ctx.publisher_ids()
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id)
        speakers = _speakers(unit.session, incident, publishers)
        audiences = _chosen(ctx, speakers, actor, list(keys))
        composer = Composer(ctx, unit.session, incident)
        composed = [_compose(ctx, unit, composer, incident, a, narrative, actor) for a in audiences]
        assert incident.id is not None
        draft = UpdateDraft(
            incident_id=incident.id,
            author=actor,
            created_at=unit.now,
            fields=narrative.__dict__,
            audiences=[a.key for a in audiences],
        )
        unit.session.add(draft)
        unit.session.flush()
        assert draft.id is not None
        return Preview(draft.id, incident.ref, composed)


def publish_update(ctx: ServiceContext, draft_id: int, actor: str) -> Published:
    publishers = ctx.publisher_ids()
    with ctx.unit() as unit:
        draft = unit.session.exec(
            select(UpdateDraft).where(UpdateDraft.id == draft_id).with_for_update()
        ).first()
        if draft is None or draft.author != actor:
            raise NotFound("That update draft is gone; open `/incident update` again.")
        incident = unit.session.exec(
            select(Incident).where(Incident.id == draft.incident_id).with_for_update()
        ).one()
        if draft.published_update_id is not None:
            return Published(incident.ref, [], [], already=True)
        speakers = _speakers(unit.session, incident, publishers)
        return _publish(ctx, unit, incident, draft, actor, speakers)


def _publish(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    draft: UpdateDraft,
    actor: str,
    speakers: Speakers,
) -> Published:
    assert incident.id is not None
    narrative = Narrative(**draft.fields)
    audiences = _chosen(ctx, speakers, actor, draft.audiences)
    composer = Composer(ctx, unit.session, incident)
    update = StatusUpdate(
        incident_id=incident.id, at=unit.now, author=actor, automatic=False, **narrative.__dict__
    )
    unit.session.add(update)
    unit.session.flush()  # its id goes with each message, for the "Was this useful?" votes
    sent, held, due = [], [], {}
    for audience in audiences:
        composed = _compose(ctx, unit, composer, incident, audience, narrative, actor)
        if composed.sendable:
            was_due = due[audience.key] = _clock_restarts(ctx, unit, incident, audience)
            late = UpdateDue(was_due, automatic=False) if was_due else None
            cadence.deliver(
                ctx, unit, incident, composed, automatic=False, update_id=update.id, due=late
            )
            sent.append(audience)
        else:
            cadence.hold_back(unit, composer, incident, composed)
            held.append(audience.key)
    update.audiences, update.held_back = [a.key for a in sent], held
    update.due = due_record(due)
    unit.session.add(update)
    draft.published_update_id = update.id
    unit.session.add(draft)
    if narrative.impact:
        incident.impact = narrative.impact
        unit.session.add(incident)
    _record(unit, incident, actor, sent, narrative)
    unit.refresh_homes()  # next update times moved
    return Published(incident.ref, [a.title for a in sent], held)


def _compose(
    ctx: ServiceContext,
    unit: Unit,
    composer: Composer,
    incident: Incident,
    audience: Audience,
    narrative: Narrative,
    actor: str,
) -> Composed:
    clock = _clock(unit.session, incident, audience)
    severity = ctx.severities.describe(incident.severity)
    since = clock.last_update_at if clock else incident.declared_at
    next_update = (
        next_due(unit.now, severity)
        if audience.applies(incident.severity, incident.private, ctx.severities)
        else None
    )
    return composer.compose(
        audience, "updates", narrative, actor, unit.now, since=since, next_update=next_update
    )


def _clock(session: Session, incident: Incident, audience: Audience) -> AudienceClock | None:
    return session.get(AudienceClock, (incident.id, audience.key))


def _clock_restarts(
    ctx: ServiceContext, unit: Unit, incident: Incident, audience: Audience
) -> datetime | None:
    """A person's update resets this audience's clock: no second update in the same interval.
    Returns when this update was due (None: nothing was)."""
    assert incident.id is not None
    clock = _clock(unit.session, incident, audience) or AudienceClock(
        incident_id=incident.id, audience=audience.key, last_update_at=unit.now
    )
    was_due = clock.due_at
    cadence.updated(ctx, clock, incident, unit.now)
    unit.session.add(clock)
    return was_due


def _record(
    unit: Unit, incident: Incident, actor: str, sent: list[Audience], narrative: Narrative
) -> None:
    assert incident.id is not None
    titles = ", ".join(a.title for a in sent) or "no audience"
    unit.log(incident.id, actor, "update", f"Update to {titles}: {narrative.what_changed}")
    elsewhere = [a for a in sent if not a.in_incident_channel]
    if elsewhere and incident.drill:
        titles = ", ".join(a.title for a in elsewhere)
        unit.post_text(
            incident.id,
            f":mega: {mention(actor)} published an update to {titles}: in a drill it is posted "
            "here, in the drill channel, instead of their channels.",
        )
    elif elsewhere:
        where = ", ".join(f"{a.title} ({escape(a.destination)})" for a in elsewhere)
        unit.post_text(incident.id, f":mega: {mention(actor)} published an update to {where}.")


def _chosen(ctx: ServiceContext, speakers: Speakers, actor: str, keys: list[str]) -> list[Audience]:
    if not keys:
        raise FormProblem("audiences", "Choose at least one audience.")
    audiences = []
    for key in keys:
        audience = ctx.audiences.get(key)
        if audience is None:
            missing = f"There is no audience called `{escape(str(key))}` any more."
            raise FormProblem("audiences", missing)
        audiences.append(audience)
    if any(not a.in_incident_channel for a in audiences) and not _may_publish_widely(
        ctx, speakers, actor
    ):
        refusal = publishing_refusal(speakers.comms, speakers.commander, ctx.admins, ctx.publishers)
        raise FormProblem("audiences", f"{refusal} Anyone may publish to the incident channel.")
    return audiences


def _speakers(session: Session, incident: Incident, publishers: frozenset[str] | None) -> Speakers:
    assert incident.id is not None
    holders = current_holders(session, incident.id)
    return Speakers(holders.get(COMMS), holders.get(COMMANDER), publishers)


def _may_publish_widely(ctx: ServiceContext, speakers: Speakers, actor: str) -> bool:
    return may_publish_widely(
        actor,
        comms=speakers.comms,
        commander=speakers.commander,
        admins=ctx.admins,
        publishers=speakers.publishers,
    )


def _approval_label(ctx: ServiceContext, audience: Audience) -> str:
    status = ctx.approvals.status(f"updates/{audience.key}")
    if status.approved:
        return status.label
    return f"needs approval: {status.label}" if audience.requires_approval else "no approval needed"


def _checked(narrative: Narrative) -> Narrative:
    if not narrative.what_changed.strip():
        raise FormProblem("what_changed", "Say what changed since the last update.")
    for field, value in narrative.__dict__.items():
        if len(value) > MAX_FIELD:
            raise FormProblem(field, f"Keep this under {MAX_FIELD} characters.")
    return Narrative(**{k: v.strip() for k, v in narrative.__dict__.items()})
