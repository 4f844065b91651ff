"""Finding incidents and reading their current state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import log_context
from app.domain.catalog import Catalog
from app.domain.decisions import DecisionStatus
from app.domain.errors import NotFound, NotInIncidentChannel
from app.domain.incident import IncidentSnapshot, RoleSlot
from app.domain.regulatory_clocks import RUNNING, RunningClock
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.domain.status import Status
from app.persistence.tables import (
    AffectedSystem,
    Decision,
    Incident,
    RegulatoryClock,
    RoleAssignment,
    StatusMilestone,
    UpdateDraft,
)
from app.services.context import ServiceContext

_ACTIVE_LISTED = 10


def incident_in_channel(session: Session, channel_id: str, *, lock: bool = False) -> Incident:
    """The incident whose channel this is; a helpful error naming active incidents otherwise."""
    query = select(Incident).where(Incident.channel_id == channel_id)
    if lock:
        query = query.with_for_update()
    incident = session.exec(query).first()
    if incident is None:
        raise NotInIncidentChannel(_not_here_message(session))
    log_context.working_on(incident.id)
    return incident


def _not_here_message(session: Session) -> str:
    active = active_incidents(session, limit=_ACTIVE_LISTED)
    message = "This command works inside an incident's own channel, and this is not one."
    listed = [f"{i.ref} <#{i.channel_id}>" for i in active if i.channel_id and not i.private]
    if listed:
        message += " Active incidents: " + ", ".join(listed) + "."
    else:
        message += " There is no active incident right now."
    return message + " To start one: `/incident declare sev2 <title>`."


def active_incidents(session: Session, limit: int | None = None) -> list[Incident]:
    query = (
        select(Incident)
        .where(Incident.status != Status.RESOLVED.value)
        .order_by(col(Incident.id).desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def current_holders(session: Session, incident_id: int) -> dict[str, str]:
    """role -> user ID of its current holder."""
    rows = session.exec(
        select(RoleAssignment).where(
            RoleAssignment.incident_id == incident_id, col(RoleAssignment.ended_at).is_(None)
        )
    )
    return {row.role: row.user_id for row in rows}


def role_history(session: Session, incident_id: int) -> list[RoleAssignment]:
    return list(
        session.exec(
            select(RoleAssignment)
            .where(RoleAssignment.incident_id == incident_id)
            .order_by(col(RoleAssignment.started_at), col(RoleAssignment.id))
        )
    )


def snapshot(
    session: Session,
    incident: Incident,
    severities: SeverityScale,
    roles: RoleCatalog,
    catalog: Catalog | None = None,
    now: datetime | None = None,
) -> IncidentSnapshot:
    """`now`: when the picture is taken, for what shows the time left (the topic)."""
    assert incident.id is not None
    holders = current_holders(session, incident.id)
    systems = _affected(session, incident.id)
    slots = tuple(RoleSlot(r.key, r.title, holders.get(r.key)) for r in roles)
    return IncidentSnapshot(
        number=incident.id,
        title=incident.title,
        severity=severities.describe(incident.severity),
        status=Status(incident.status),
        private=incident.private,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        affected=incident.affected,
        impact=incident.impact,
        summary=incident.summary,
        channel_id=incident.channel_id,
        roles=slots,
        milestones=milestones(session, incident.id),
        pending_decisions=pending_decisions(session, incident.id),
        systems=systems,
        functions=_functions(catalog, [key for key, _ in systems]),
        drill=incident.drill,
        clocks=tuple(running_clocks(session, [incident.id]).get(incident.id, ())),
        as_of=now,
    )


def running_clocks(session: Session, ids: list[int | None]) -> dict[int, list[RunningClock]]:
    """The regulatory clocks still running in these incidents, soonest due first (one query)."""
    if not ids:
        return {}
    rows = session.exec(
        select(RegulatoryClock)
        .where(col(RegulatoryClock.incident_id).in_(ids), RegulatoryClock.status == RUNNING)
        .order_by(col(RegulatoryClock.due_at), col(RegulatoryClock.id))
    )
    found: dict[int, list[RunningClock]] = {}
    for row in rows:
        clock = RunningClock(row.clock, row.label, row.started_at, row.due_at)
        found.setdefault(row.incident_id, []).append(clock)
    return found


def _affected(session: Session, incident_id: int) -> tuple[tuple[str, str | None], ...]:
    rows = session.exec(
        select(AffectedSystem)
        .where(AffectedSystem.incident_id == incident_id)
        .order_by(col(AffectedSystem.added_at), col(AffectedSystem.system))
    )
    return tuple((row.system, row.model_version) for row in rows)


def _functions(catalog: Catalog | None, keys: list[str]) -> tuple[str, ...]:
    if catalog is None or not keys:
        return ()
    return tuple(f.name for f in catalog.blast_radius(keys).functions)


def pending_decisions(session: Session, incident_id: int) -> int:
    query = select(func.count()).where(
        Decision.incident_id == incident_id, Decision.status == DecisionStatus.PENDING.value
    )
    return int(session.exec(query).one())


def milestones(session: Session, incident_id: int) -> dict[str, datetime]:
    rows = session.exec(select(StatusMilestone).where(StatusMilestone.incident_id == incident_id))
    return {row.status: row.reached_at for row in rows}


@dataclass(frozen=True)
class IncidentAccess:
    """The incident a form acts on, as far as deciding who may submit it needs."""

    ref: str
    channel_id: str  # "" while the channel does not exist yet
    private: bool


def access_by_channel(ctx: ServiceContext, channel_id: str) -> IncidentAccess:
    with ctx.db.read() as session:
        return _access(incident_in_channel(session, channel_id))


def access_by_decision(ctx: ServiceContext, decision_id: int) -> IncidentAccess:
    with ctx.db.read() as session:
        decision = session.get(Decision, decision_id)
        incident = session.get(Incident, decision.incident_id) if decision else None
        if incident is None:
            raise NotFound("That decision no longer exists.")
        return _access(incident)


def access_by_draft(ctx: ServiceContext, draft_id: int) -> IncidentAccess:
    with ctx.db.read() as session:
        draft = session.get(UpdateDraft, draft_id)
        incident = session.get(Incident, draft.incident_id) if draft else None
        if incident is None:
            raise NotFound("That update draft is gone; open `/incident update` again.")
        return _access(incident)


def _access(incident: Incident) -> IncidentAccess:
    log_context.working_on(incident.id)
    return IncidentAccess(incident.ref, incident.channel_id or "", incident.private)
