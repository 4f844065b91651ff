"""How alerts show in Slack: an incident's alerts message (posted once, then edited in place),
proposals and notes in the triage channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session, col, select

from app.domain.status import Status
from app.persistence.tables import (
    AffectedSystem,
    AlertLink,
    AlertProposal,
    Incident,
    OutboxMessage,
)
from app.services import outbox_messages as said
from app.services.context import Op, ServiceContext, Unit

EDIT_EVERY = timedelta(seconds=2)  # edits wait this long, so a storm is one edit, not thirty
LINES_KEPT = 115  # what the message can show: 15 lines with a button, 100 in a menu
OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.RESOLVED)


def triage_channel(ctx: ServiceContext) -> str:
    return ctx.config.alerts.triage_channel or ctx.config.announcements_channel


def show_alerts(unit: Unit, incident: Incident) -> None:
    """Post the incident's alerts message the first time; edit it after (one pending edit at a
    time: a newer one supersedes it)."""
    assert incident.id is not None
    message = alerts_said(unit.session, incident.id)
    if incident.alerts_outbox_id is None:
        row = unit.post_in_incident(incident.id, message)
        incident.alerts_outbox_id = row.id
        unit.session.add(incident)
        return
    key = f"alerts:{incident.id}"
    unit.drop_stale(key)
    unit.say(
        Op.UPDATE,
        incident_id=incident.id,
        payload=message.encode(),
        depends_on=incident.alerts_outbox_id,
        sequence_key=key,
        supersede_key=key,
        delay=EDIT_EVERY,
    )


def alerts_said(session: Session, incident_id: int) -> said.AlertsShown:
    links = list(
        session.exec(
            select(AlertLink)
            .where(AlertLink.incident_id == incident_id)
            .order_by(col(AlertLink.first_seen_at), col(AlertLink.key))
        )
    )
    firing = [a for a in links if a.status == "firing"]
    shown = firing + [a for a in links if a.status != "firing"]  # firing first
    return said.AlertsShown(
        lines=[_line(a) for a in shown[:LINES_KEPT]], firing=len(firing), total=len(links)
    )


def _line(a: AlertLink) -> said.AlertLine:
    return said.AlertLine(
        key=a.key,
        title=a.title,
        source=a.source,
        status=a.status,
        how=a.how,
        fired=a.fired,
        value=a.value,
        system=a.system,
        url=a.url,
        since=a.started_at.isoformat() if a.started_at else None,
    )


def post_proposal(ctx: ServiceContext, unit: Unit, proposal: AlertProposal) -> None:
    row = unit.say(
        Op.POST,
        incident_id=None,
        channel=triage_channel(ctx),
        payload=proposal_said(ctx, unit.session, proposal).encode(),
        sequence_key=f"channel:{triage_channel(ctx)}",
    )
    proposal.message_outbox_id = row.id
    unit.session.add(proposal)


def offer_attach(ctx: ServiceContext, unit: Unit, systems: list[str]) -> None:
    """Open proposals on systems an incident now affects are redrawn, so that their "Attach
    to INC-n" names it (a proposal is posted before any incident on its system exists)."""
    if not systems:
        return
    waiting = unit.session.exec(
        select(AlertProposal).where(
            col(AlertProposal.system).in_(systems), AlertProposal.status == "open"
        )
    )
    for proposal in waiting:
        redraw_proposal(ctx, unit, proposal)


def redraw_proposal(ctx: ServiceContext, unit: Unit, proposal: AlertProposal) -> None:
    """The proposal's message redrawn from its current state (settled, or more folded in)."""
    if proposal.message_outbox_id is None:
        return
    key = f"proposal:{proposal.id}"
    unit.drop_stale(key)
    unit.say(
        Op.UPDATE,
        incident_id=None,
        channel=triage_channel(ctx),
        payload=proposal_said(ctx, unit.session, proposal).encode(),
        depends_on=proposal.message_outbox_id,
        sequence_key=key,
        supersede_key=key,
    )


def proposal_said(ctx: ServiceContext, session: Session, p: AlertProposal) -> said.AlertProposed:
    assert p.id is not None
    alert = session.get(AlertLink, p.alert_key)
    assert alert is not None
    repeats = session.exec(
        select(col(AlertLink.key)).where(
            AlertLink.proposal_id == p.id, AlertLink.key != p.alert_key
        )
    ).all()
    return said.AlertProposed(
        proposal_id=p.id,
        title=alert.title,
        source=alert.source,
        severity=p.severity,
        radius=radius_line(ctx, p.system),
        status=p.status,
        value=alert.value,
        system=p.system,
        url=alert.url,
        playbook=p.playbook,
        attach_to=same_system_incidents(session, p.system) if p.status == "open" else [],
        repeats=len(repeats),
        settled_by=p.settled_by,
        reason=p.reason,
        incident_ref=f"INC-{p.incident_id}" if p.incident_id else None,
    )


def radius_line(ctx: ServiceContext, system: str | None) -> str:
    """ "3 systems, 2 business functions: Fraud & risk, Search" (plain: escaped when drawn)."""
    if not system or system not in ctx.catalog.systems:
        return "" if not system else f"{system} is not in the catalog"
    radius = ctx.catalog.blast_radius([system])
    n = len(radius.systems)
    names = ", ".join(f.name for f in radius.functions) or "no business function"
    return f"Blast radius: {n} system{'s' if n != 1 else ''}; {names}"


def same_system_incidents(session: Session, system: str | None) -> list[said.OpenIncidentChoice]:
    """Open public incidents affecting `system`, newest first (private ones stay unnamed in a
    shared channel)."""
    if not system:
        return []
    rows = session.exec(
        select(Incident.id, Incident.title)
        .join(AffectedSystem, col(AffectedSystem.incident_id) == col(Incident.id))
        .where(
            AffectedSystem.system == system,
            col(Incident.status).in_(OPEN_STATUSES),
            col(Incident.private).is_(False),
            col(Incident.drill).is_(False),
        )
        .order_by(col(Incident.id).desc())
        .limit(5)
    )
    return [said.OpenIncidentChoice(number or 0, title) for number, title in rows]


def post_in_triage(
    ctx: ServiceContext, unit: Unit, message: said.Said, incident_id: int | None
) -> None:
    unit.say(
        Op.POST,
        incident_id=incident_id,
        channel=triage_channel(ctx),
        payload=message.encode(),
        sequence_key=f"channel:{triage_channel(ctx)}",
    )


def command_calls(session: Session, incident_id: int) -> list[OutboxMessage]:
    """The posts asking someone to take command of the incident (its channel and the triage
    copy), so they can be redrawn once someone does."""
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.incident_id == incident_id,
            OutboxMessage.op == Op.POST.value,
            col(OutboxMessage.status).in_(("pending", "sent")),
        )
        .order_by(col(OutboxMessage.id))
    )
    return [r for r in rows if (r.payload or {}).get("message") == said.CommandWanted.KIND]


def asked_to_command(session: Session, incident_id: int) -> list[str]:
    """Everyone a call to take command named."""
    people: list[str] = []
    for row in command_calls(session, incident_id):
        people += (row.payload.get("params") or {}).get("owners") or []
    return list(dict.fromkeys(str(p) for p in people))


def redraw_command_calls(unit: Unit, incident_id: int, commander: str) -> None:
    """Every call to take command gives way to "X took command" (its button gone)."""
    for row in command_calls(unit.session, incident_id):
        try:
            asked = said.decode(row.payload)
        except said.Undeliverable:
            continue
        if not isinstance(asked, said.CommandWanted):
            continue
        key = f"command_call:{row.id}"
        unit.drop_stale(key)
        unit.say(
            Op.UPDATE,
            incident_id=incident_id,
            channel=row.channel,
            payload=replace(asked, taken_by=commander).encode(),
            depends_on=row.id,
            sequence_key=key,
            supersede_key=key,
        )
