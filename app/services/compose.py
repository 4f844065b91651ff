"""Words for an audience: the incident's current state rendered through that audience's
template, refused when the audience only takes approved wording and the template is not it.

Rendering happens here, when the update is decided, so what is stored in the outbox is exactly
the text whose approval was checked (rendered from the bytes that were hashed).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session, col, select

from app.domain.audiences import Audience
from app.domain.decisions import DecisionStatus
from app.domain.incident import IncidentSnapshot
from app.persistence.tables import Decision, Incident, StatusUpdate, TimelineEntry
from app.rendering.context import (
    AudienceView,
    ClockView,
    DecisionView,
    IncidentView,
    PlaybookView,
    UpdateView,
    WorkView,
    change_view,
    decision_view,
    incident_view,
    person,
    slack_date,
)
from app.rendering.email import EMAIL_HTML, EMAIL_SUBJECT, EmailWords, default_subject
from app.services import regulatory_clocks, work_views
from app.services.context import ServiceContext
from app.services.lookup import snapshot
from app.services.terms_note import terms_note

MAX_CHANGES = 12
QUIET_KINDS = ("update", "declared")  # not news to an audience that got the update itself


@dataclass(frozen=True)
class Narrative:
    """What a person writes for an update."""

    what_changed: str = ""
    impact: str = ""
    uncertain: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class Composed:
    audience: Audience
    template: str
    text: str | None  # None: held back
    approval: str | None  # "approved by X on date", when the template has an approval record
    held_back: str | None = None  # why it may not be sent
    email: EmailWords | None = None  # set when the audience is emailed

    @property
    def sendable(self) -> bool:
        return self.text is not None


class Composer:
    """Renders for one incident inside one transaction, reading its state once."""

    def __init__(self, ctx: ServiceContext, session: Session, incident: Incident) -> None:
        self.ctx, self.session, self.incident = ctx, session, incident
        self.picture: IncidentSnapshot = snapshot(
            session, incident, ctx.severities, ctx.roles, ctx.catalog
        )
        self._catalog = {r.key: r for r in ctx.roles}

    def view(self, now: datetime) -> IncidentView:
        return incident_view(self.picture, self._catalog, now)

    def compose(
        self,
        audience: Audience,
        kind: str,  # "updates" or "resolution"
        narrative: Narrative,
        author: str,
        now: datetime,
        *,
        since: datetime,
        next_update: datetime | None,
        resolver_speaks: bool = True,
    ) -> Composed:
        """`resolver_speaks` False: the resolution summary (the resolver's own words) is left
        out, for an audience the resolver may not speak to."""
        name = f"{kind}/{audience.key}"
        if not self.ctx.templates.exists(name):
            return Composed(audience, name, None, None, f"missing ({name}.j2)")
        source = self.ctx.templates.source(name)
        status = self.ctx.approvals.status(name, source)
        approval = status.approval.label if status.approved and status.approval else None
        if audience.requires_approval and not status.approved:
            return Composed(audience, name, None, None, status.label)
        context = self._context(audience, narrative, author, now, since, next_update)
        if not resolver_speaks:
            context["incident"] = replace(context["incident"], summary="")
        text = self.ctx.templates.render(name, source, **context)
        if kind == "updates":
            fields = astuple(narrative)
            text += terms_note(self.ctx, self.session, audience.key, author, fields, text)
        if audience.email is None:
            return Composed(audience, name, text, approval)
        words = email_words(self.ctx, audience, name, text, context)
        if isinstance(words, Unapproved):
            return Composed(audience, words.template, None, None, words.reason)
        return Composed(audience, name, text, approval, email=words)

    def render(self, name: str, now: datetime, **extra: Any) -> str:
        """A reminder or notice: words from a template, no approval needed."""
        return self.ctx.templates.render(name, incident=self.view(now), **extra)

    def _context(
        self,
        audience: Audience,
        narrative: Narrative,
        author: str,
        now: datetime,
        since: datetime,
        next_update: datetime | None,
    ) -> dict[str, Any]:
        return {
            "incident": self.view(now),
            "update": self.update_view(narrative, author, now),
            "changes": self._changes(since),
            "decisions_pending": self.decisions(DecisionStatus.PENDING),
            "next_update": slack_date(next_update) if next_update else None,
            "audience": AudienceView(audience.key, audience.title),
            "playbook": self._playbook,
            "work": self._work,
            "clocks": self.clocks(now),
        }

    @cached_property
    def _playbook(self) -> PlaybookView | None:  # read once for every audience of a round
        return work_views.playbook_view(self.session, self.incident)

    @cached_property
    def _work(self) -> WorkView:
        return work_views.work_view(self.session, self.incident.id or 0)

    def clocks(self, now: datetime) -> list[ClockView]:
        """Regulatory clocks running (with the time left) or notified, for this moment."""
        return regulatory_clocks.clock_views(self.session, self.incident.id or 0, now)

    def update_view(self, narrative: Narrative, author: str, now: datetime) -> UpdateView:
        return UpdateView(
            what_changed=narrative.what_changed,
            impact=narrative.impact,
            uncertain=narrative.uncertain,
            next_steps=narrative.next_steps,
            author=person(None if author == "warroom" else author, "Warroom"),
            automatic=author == "warroom",
            at=slack_date(now),
        )

    def decisions(
        self, *statuses: DecisionStatus, since: datetime | None = None
    ) -> list[DecisionView]:
        """This incident's decisions in these statuses (settled since `since`, if given)."""
        values = [s.value for s in statuses]
        query = select(Decision).where(
            Decision.incident_id == self.incident.id, col(Decision.status).in_(values)
        )
        if since is not None:
            query = query.where(col(Decision.decided_at) >= since)
        rows = self.session.exec(query.order_by(col(Decision.number)))
        return [decision_view(d) for d in rows]

    def _changes(self, since: datetime) -> list[Any]:
        rows = self.session.exec(
            select(TimelineEntry)
            .where(
                TimelineEntry.incident_id == self.incident.id,
                col(TimelineEntry.at) > since,
                col(TimelineEntry.kind).not_in(QUIET_KINDS),
            )
            .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
        )
        entries = list(rows)[-MAX_CHANGES:]
        return [change_view(e.at, e.actor, e.kind, e.text) for e in entries]


@dataclass(frozen=True)
class Unapproved:
    """An email sibling (`<template>.html`, `<template>.subject`) whose wording is not
    approved: the audience's update is held back, as for its main template."""

    template: str
    reason: str


def email_words(
    ctx: ServiceContext,
    audience: Audience,
    name: str,
    text: str,
    context: dict[str, Any],
    *,
    approval_required: bool | None = None,
) -> EmailWords | Unapproved:
    """The subject and HTML part of an emailed audience's update: from the template's siblings
    when it has them (approved like it), else the subject is its first line.
    `approval_required` None: as the audience says."""
    required = audience.requires_approval if approval_required is None else approval_required
    parts: dict[str, str] = {}
    for part, renderer in ((EMAIL_SUBJECT, ctx.templates), (EMAIL_HTML, ctx.html_templates)):
        sibling = f"{name}.{part}"
        if not ctx.templates.exists(sibling):
            continue
        source = ctx.templates.source(sibling)
        status = ctx.approvals.status(sibling, source)
        if required and not status.approved:
            return Unapproved(sibling, status.label)
        parts[part] = renderer.render(sibling, source, **context)
    return EmailWords(parts.get("subject") or default_subject(text), parts.get("html"))


def last_narrative(session: Session, incident_id: int) -> Narrative:
    """What the last person-written update said (automatic updates repeat what is uncertain
    and the next steps; the summary shows what changed)."""
    last = session.exec(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident_id, col(StatusUpdate.automatic).is_(False))
        .order_by(col(StatusUpdate.at).desc(), col(StatusUpdate.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return Narrative()
    return Narrative(last.what_changed, last.impact, last.uncertain, last.next_steps)
