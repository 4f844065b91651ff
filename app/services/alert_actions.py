"""Settling an alert proposed in the triage channel: declare it, attach it to an open incident,
or dismiss it with a reason. Whoever presses first settles it; every later press is told who
did, and never makes a second incident (the proposal row is locked while it is settled)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.domain.errors import FormProblem, InvalidInput, NotFound
from app.domain.status import Status
from app.domain.text import clean_text, mention
from app.persistence.tables import AlertLink, AlertProposal, Incident
from app.services.alert_views import redraw_proposal, show_alerts
from app.services.context import ServiceContext, Unit
from app.services.declare import declare_in, from_alert

MAX_REASON = 300


@dataclass(frozen=True)
class Settled:
    """What became of a proposal; `already`: someone had settled it before this press."""

    status: str  # declared | attached | dismissed
    by: str
    incident_number: int | None = None
    systems: tuple[str, ...] = ()  # a declaration's systems: their blast radius comes next
    already: bool = False

    @property
    def ref(self) -> str:
        return f"INC-{self.incident_number}" if self.incident_number else ""

    def told(self) -> str:
        """The proposal's outcome in one line, for the presser."""
        if self.status == "dismissed":
            what = "dismissed"
        else:
            what = f"{self.status} {'as' if self.status == 'declared' else 'to'} {self.ref}"
        return f"{'Already ' if self.already else ''}{what} by {mention(self.by)}."


def declare_proposed(
    ctx: ServiceContext,
    proposal_id: int,
    user: str,
    from_channel: str | None = None,
    response_url: str | None = None,
) -> Settled:
    """The presser declares the proposed incident, and commands it (told as any declarer is,
    on `response_url`)."""
    with ctx.unit() as unit:
        proposal = _open_proposal(unit.session, proposal_id)
        if isinstance(proposal, Settled):
            return proposal
        alert = _alert(unit.session, proposal)
        playbook = proposal.playbook if proposal.playbook in ctx.playbooks else None
        declared = declare_in(
            ctx,
            unit,
            from_alert(
                alert,
                proposal.severity,
                user,
                playbook=playbook,
                detected_at=proposal.detected_at,
                known_systems=ctx.catalog.systems,
                from_channel=from_channel,
                response_url=response_url,
            ),
        )
        incident = unit.session.get(Incident, declared.number)
        assert incident is not None
        _move_links(unit, proposal, incident, first_how="declared")
        _settle(ctx, unit, proposal, "declared", user, incident_id=declared.number)
        show_alerts(unit, incident)
        return Settled("declared", user, declared.number, declared.systems)


def attach_proposed(ctx: ServiceContext, proposal_id: int, number: int, user: str) -> Settled:
    """The proposed alert joins an open incident instead of starting one."""
    with ctx.unit() as unit:
        proposal = _open_proposal(unit.session, proposal_id)
        if isinstance(proposal, Settled):
            return proposal
        incident = unit.session.exec(
            select(Incident).where(Incident.id == number).with_for_update()
        ).first()
        if incident is None:
            raise NotFound(f"There is no INC-{number}; this button is out of date.")
        if incident.status == Status.RESOLVED.value:
            raise InvalidInput(
                f"{incident.ref} is resolved, so the alert was not attached to it. Declare it "
                f"as its own incident, or reopen {incident.ref} first."
            )
        if incident.private:  # a shared channel's button never reaches into a private one
            raise InvalidInput(f"{incident.ref} is private: alerts are not attached to it here.")
        if incident.drill:
            raise InvalidInput(f"{incident.ref} is a drill: real alerts are not attached to it.")
        alert = _alert(unit.session, proposal)
        moved = _move_links(unit, proposal, incident, first_how="attached")
        unit.log(
            number,
            user,
            "alert",
            f"Alert attached by {user}: {alert.title} ({alert.source})"
            + (f", with {moved - 1} repeat{'s' if moved > 2 else ''}" if moved > 1 else ""),
            people=[user],
        )
        _settle(ctx, unit, proposal, "attached", user, incident_id=number)
        show_alerts(unit, incident)
        return Settled("attached", user, number)


@dataclass(frozen=True)
class Dismissing:
    title: str  # the alert's, shown in the form asking why
    settled: Settled | None  # already settled: said at once, not after the form


def check_may_dismiss(ctx: ServiceContext, proposal_id: int) -> Dismissing:
    """Before the reason is asked."""
    with ctx.db.read() as session:
        proposal = _open_proposal(session, proposal_id, lock=False)
        if isinstance(proposal, Settled):
            return Dismissing("", proposal)
        return Dismissing(_alert(session, proposal).title, None)


def dismiss_proposed(ctx: ServiceContext, proposal_id: int, user: str, reason: str) -> Settled:
    """Dismissed with a reason. Its links keep pointing at it, so repeats of the alert stay
    folded in until it resolves and fires again."""
    why = check_reason(reason)
    with ctx.unit() as unit:
        proposal = _open_proposal(unit.session, proposal_id)
        if isinstance(proposal, Settled):
            return proposal
        proposal.reason = why
        _settle(ctx, unit, proposal, "dismissed", user, incident_id=None)
        return Settled("dismissed", user)


def check_reason(reason: str) -> str:
    why = " ".join(clean_text(reason).split())
    if not why:
        raise FormProblem("reason", "Say why it is dismissed, in a few words.")
    if len(why) > MAX_REASON:
        raise FormProblem("reason", f"Keep the reason under {MAX_REASON} characters.")
    return why


def _open_proposal(
    session: Session, proposal_id: int, *, lock: bool = True
) -> AlertProposal | Settled:
    """The proposal, locked while it is settled; how it was settled if it already was."""
    query = select(AlertProposal).where(AlertProposal.id == proposal_id)
    if lock:
        query = query.with_for_update()
    proposal = session.exec(query).first()
    if proposal is None:
        raise NotFound("That proposal is gone; this button is out of date.")
    if proposal.status != "open":
        by = proposal.settled_by or "someone"
        return Settled(proposal.status, by, proposal.incident_id, already=True)
    return proposal


def _alert(session: Session, proposal: AlertProposal) -> AlertLink:
    alert = session.get(AlertLink, proposal.alert_key)
    if alert is None:
        raise NotFound("The alert behind this proposal is gone; nothing was changed.")
    return alert


def _move_links(unit: Unit, proposal: AlertProposal, incident: Incident, first_how: str) -> int:
    """Every alert folded into the proposal now belongs to the incident (the proposal stays
    recorded on them)."""
    links = unit.session.exec(
        select(AlertLink).where(
            or_(col(AlertLink.proposal_id) == proposal.id, col(AlertLink.key) == proposal.alert_key)
        )
    )
    moved = 0
    for link in links:
        link.incident_id = incident.id
        link.proposal_id = proposal.id
        link.how = first_how if link.key == proposal.alert_key else "attached"
        unit.session.add(link)
        moved += 1
    unit.session.flush()
    return moved


def _settle(
    ctx: ServiceContext,
    unit: Unit,
    proposal: AlertProposal,
    status: str,
    user: str,
    *,
    incident_id: int | None,
) -> None:
    proposal.status = status
    proposal.settled_by = user
    proposal.settled_at = unit.now
    proposal.incident_id = incident_id
    unit.session.add(proposal)
    unit.session.flush()
    redraw_proposal(ctx, unit, proposal)
