"""What a person sees in Warroom's App Home: active incidents by severity, their own roles,
the decisions waiting on them and the action items they own. Read in a few queries however
many incidents are active."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.decisions import DecisionStatus
from app.domain.regulatory_clocks import RunningClock
from app.domain.report import Headlines
from app.domain.roles import COMMANDER
from app.domain.severity import Severity
from app.domain.status import Status
from app.persistence.tables import (
    AffectedSystem,
    AudienceClock,
    Decision,
    HomeViewer,
    Incident,
    RoleAssignment,
)
from app.services import metrics
from app.services.action_items import OwnedItem, owned_by
from app.services.context import ServiceContext
from app.services.lookup import running_clocks

REMEMBER_EVERY = timedelta(hours=1)  # how often a viewer's last visit is written down
MY_ACTION_ITEMS = 13  # read one past what is shown, to say that there are more


@dataclass(frozen=True)
class HomeIncident:
    number: int
    title: str
    severity: Severity
    status: str
    commander: str | None
    channel_id: str | None
    declared_at: datetime
    next_update: datetime | None
    private: bool
    functions: tuple[str, ...] = ()  # business functions its blast radius reaches
    drill: bool = False  # an exercise: listed apart, never counted as an active incident
    clocks: tuple[RunningClock, ...] = ()  # regulatory clocks running, soonest due first

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


@dataclass(frozen=True)
class HomeDecision:
    incident_ref: str
    channel_id: str | None
    ref: str
    question: str
    due_at: datetime


@dataclass(frozen=True)
class HomeData:
    user: str
    now: datetime
    incidents: list[HomeIncident]  # visible to this user
    my_roles: list[tuple[HomeIncident, str]] = field(default_factory=list)
    my_decisions: list[HomeDecision] = field(default_factory=list)
    my_action_items: list[OwnedItem] = field(default_factory=list)  # open, soonest due first
    last_90_days: Headlines | None = None

    @property
    def active(self) -> list[HomeIncident]:
        """The real incidents: drills are exercises, shown apart."""
        return [i for i in self.incidents if not i.drill]

    @property
    def drills(self) -> list[HomeIncident]:
        return [i for i in self.incidents if i.drill]


def home_data(ctx: ServiceContext, session: Session, user: str, now: datetime) -> HomeData:
    incidents = list(
        session.exec(
            select(Incident)
            .where(Incident.status != Status.RESOLVED.value)
            .order_by(col(Incident.id))
        )
    )
    ids = [i.id for i in incidents]
    holders = _current_roles(session, ids)
    members = _members_of_private(session, [i.id for i in incidents if i.private])
    due = _next_updates(session, ids)
    affected = _affected_systems(session, ids)
    clocks = running_clocks(session, ids)
    visible = [
        _home_incident(ctx, i, holders.get(i.id or 0, {}), due.get(i.id or 0), affected, clocks)
        for i in incidents
        if not i.private or user in members.get(i.id or 0, set())
    ]
    by_number = {h.number: h for h in visible}
    mine = [
        (by_number[number], role)
        for number, roles in holders.items()
        for role, holder in roles.items()
        if holder == user and number in by_number
    ]
    return HomeData(
        user,
        now,
        visible,
        sorted(mine, key=lambda m: m[0].number),
        _decisions_on(session, user, by_number),
        owned_by(session, user, limit=MY_ACTION_ITEMS),
        metrics.last_90_days(ctx, session),
    )


def _home_incident(
    ctx: ServiceContext,
    incident: Incident,
    roles: dict[str, str],
    due: datetime | None,
    affected: dict[int, list[str]],
    clocks: dict[int, list[RunningClock]],
) -> HomeIncident:
    assert incident.id is not None
    radius = ctx.catalog.blast_radius(affected.get(incident.id, []))
    return HomeIncident(
        number=incident.id,
        title=incident.title,
        severity=ctx.severities.describe(incident.severity),
        status=Status(incident.status).label,
        commander=roles.get(COMMANDER),
        channel_id=incident.channel_id,
        declared_at=incident.declared_at,
        next_update=due,
        private=incident.private,
        functions=tuple(f.name for f in radius.functions),
        drill=incident.drill,
        clocks=tuple(clocks.get(incident.id, ())),
    )


def _affected_systems(session: Session, ids: list[int | None]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for incident_id, system in session.exec(
        select(AffectedSystem.incident_id, AffectedSystem.system).where(
            col(AffectedSystem.incident_id).in_(ids)
        )
    ):
        found[incident_id].append(system)
    return found


def _current_roles(session: Session, ids: list[int | None]) -> dict[int, dict[str, str]]:
    rows = session.exec(
        select(RoleAssignment).where(
            col(RoleAssignment.incident_id).in_(ids), col(RoleAssignment.ended_at).is_(None)
        )
    )
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for row in rows:
        found[row.incident_id][row.role] = row.user_id
    return found


def _members_of_private(session: Session, ids: list[int | None]) -> dict[int, set[str]]:
    """A private incident shows to whoever declared it or ever held a role in it."""
    if not ids:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    for incident_id, user in session.exec(
        select(RoleAssignment.incident_id, RoleAssignment.user_id).where(
            col(RoleAssignment.incident_id).in_(ids)
        )
    ):
        found[incident_id].add(user)
    for number, declarer in session.exec(
        select(Incident.id, Incident.declared_by).where(col(Incident.id).in_(ids))
    ):
        found[number or 0].add(declarer)
    return found


def _next_updates(session: Session, ids: list[int | None]) -> dict[int, datetime]:
    rows = session.exec(
        select(AudienceClock.incident_id, func.min(AudienceClock.due_at))
        .where(col(AudienceClock.incident_id).in_(ids), col(AudienceClock.due_at).is_not(None))
        .group_by(col(AudienceClock.incident_id))
    )
    return {incident_id: due for incident_id, due in rows if due is not None}


def _decisions_on(
    session: Session, user: str, incidents: dict[int, HomeIncident]
) -> list[HomeDecision]:
    rows = session.exec(
        select(Decision)
        .where(Decision.owner == user, Decision.status == DecisionStatus.PENDING.value)
        .order_by(col(Decision.due_at))
    )
    return [
        HomeDecision(
            incidents[d.incident_id].ref,
            incidents[d.incident_id].channel_id,
            f"D-{d.number}",
            d.question,
            d.due_at,
        )
        for d in rows
        if d.incident_id in incidents
    ]


def opened(ctx: ServiceContext, user: str) -> HomeData:
    """Someone opened the Home tab: read what to show, and remember them (for refreshes) when
    their last visit is not recent, so most opens write nothing."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        data = home_data(ctx, session, user, now)
        viewer = session.get(HomeViewer, user)
        fresh = viewer is not None and viewer.opened_at > now - REMEMBER_EVERY
    if not fresh:
        with ctx.db.transaction() as session:
            seen = session.get(HomeViewer, user) or HomeViewer(user_id=user)
            seen.opened_at = now
            session.add(seen)
    return data
