"""Naming people to roles, freeing roles, and the roster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.domain.errors import InvalidInput, NotAllowed
from app.domain.incident import IncidentSnapshot
from app.domain.permissions import (
    ensure_may_hold_comms,
    ensure_may_manage,
    ensure_may_take,
    may_manage,
)
from app.domain.roles import COMMANDER, COMMS, Role
from app.domain.text import mention
from app.persistence.tables import Incident, RoleAssignment
from app.services import outbox_messages as said
from app.services.alert_views import redraw_command_calls
from app.services.context import Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel, role_history, snapshot


@dataclass(frozen=True)
class RoleChange:
    incident_ref: str
    role: str
    user_id: str | None
    previous: str | None


@dataclass(frozen=True)
class Roster:
    incident: IncidentSnapshot
    history: list[RoleAssignment]


def assign_role(
    ctx: ServiceContext, channel_id: str, role_key: str, user_id: str, actor: str
) -> RoleChange:
    role = ctx.roles.get(role_key)
    publishers = ctx.publisher_ids() if role.key == COMMS else None  # may ask Slack: not inside
    with _one_holder(role), ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        holders = current_holders(unit.session, incident.id)
        previous = holders.get(role.key)
        if previous == user_id:
            raise InvalidInput(f"{mention(user_id)} already holds the {role.title} role.")
        _ensure_may_assign(ctx, role, user_id, actor, holders)
        if role.key == COMMS:
            ensure_may_hold_comms(user_id, ctx.admins, publishers, ctx.publishers)
        _end_current(unit, incident.id, role.key)
        unit.session.add(
            RoleAssignment(
                incident_id=incident.id,
                role=role.key,
                user_id=user_id,
                assigned_by=actor,
                started_at=unit.now,
            )
        )
        unit.session.flush()
        _announce_assignment(unit, incident, role, user_id, previous, actor)
        if role.key == COMMANDER and previous is None:  # a call to take command is answered
            redraw_command_calls(unit, incident.id, user_id)
        return RoleChange(incident.ref, role.key, user_id, previous)


def give_role(
    ctx: ServiceContext, unit: Unit, incident: Incident, role_key: str, user_id: str, actor: str
) -> None:
    """A free role given by Warroom itself (a business function's owner gets its role):
    announced, and its instructions sent, like any assignment."""
    assert incident.id is not None
    role = ctx.roles.get(role_key)
    unit.session.add(
        RoleAssignment(
            incident_id=incident.id,
            role=role.key,
            user_id=user_id,
            assigned_by=actor,
            started_at=unit.now,
        )
    )
    unit.session.flush()
    _announce_assignment(unit, incident, role, user_id, None, actor)


def unassign_role(ctx: ServiceContext, channel_id: str, role_key: str, actor: str) -> RoleChange:
    role = ctx.roles.get(role_key)
    if role.key == COMMANDER:
        raise InvalidInput(
            "The commander role is never left empty; hand it over instead with "
            "`/incident assign commander @someone`."
        )
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        holders = current_holders(unit.session, incident.id)
        holder = holders.get(role.key)
        if holder is None:
            raise InvalidInput(f"Nobody holds the {role.title} role right now.")
        if holder != actor:
            ensure_may_manage(
                actor, holders.get(COMMANDER), ctx.admins, f"free the {role.title} role"
            )
        _end_current(unit, incident.id, role.key)
        unit.log(
            incident.id, actor, "role", f"{role.title}: {holder} stepped down", people=[holder]
        )
        unit.post_in_incident(incident.id, said.RoleUnassigned(role.key, holder, actor))
        unit.refresh(incident.id)
        return RoleChange(incident.ref, role.key, None, holder)


def roster(ctx: ServiceContext, channel_id: str) -> Roster:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        assert incident.id is not None
        return Roster(
            snapshot(session, incident, ctx.severities, ctx.roles, ctx.catalog),
            role_history(session, incident.id),
        )


def _ensure_may_assign(
    ctx: ServiceContext, role: Role, user_id: str, actor: str, holders: dict[str, str]
) -> None:
    """Anyone may take a free role for themselves, except those that speak for the incident
    or the company; everything else is the commander's or an admin's to assign."""
    commander = holders.get(COMMANDER)
    if may_manage(actor, commander, ctx.admins):
        return
    if actor == user_id:
        ensure_may_take(role.key, role.title, commander, ctx.admins)
        if holders.get(role.key) is None:
            return
    ensure_may_manage(actor, commander, ctx.admins, f"assign the {role.title} role")


@contextmanager
def _one_holder(role: Role) -> Iterator[None]:
    """Two people taking the same role at the same instant: the database keeps one."""
    try:
        yield
    except IntegrityError:
        raise NotAllowed(
            f"Someone else was given the {role.title} role at the same moment; "
            "check `/incident roles` and try again if needed."
        ) from None


def _end_current(unit: Unit, incident_id: int, role: str) -> None:
    current = unit.session.exec(
        select(RoleAssignment).where(
            RoleAssignment.incident_id == incident_id,
            RoleAssignment.role == role,
            col(RoleAssignment.ended_at).is_(None),
        )
    ).first()
    if current is not None:
        current.ended_at = unit.now
        unit.session.add(current)
        unit.session.flush()


def _announce_assignment(
    unit: Unit, incident: Incident, role: Role, user_id: str, previous: str | None, actor: str
) -> None:
    assert incident.id is not None
    change = f"{role.title}: {user_id}" + (f" (was {previous})" if previous else "")
    unit.log(incident.id, actor, "role", change, people=[user_id, previous])
    unit.say(Op.INVITE, incident_id=incident.id, payload={"users": [user_id]})
    unit.post_in_incident(incident.id, said.RoleAssigned(role.key, user_id, actor, previous))
    unit.direct_message(incident.id, user_id, said.RoleInstructions(role.key, actor))
    unit.refresh(incident.id)
