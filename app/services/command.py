"""Taking command of an incident declared from an alert.

Warroom declares by rule with nobody in command, and asks the owners of what the incident
affects to take it. This is the one exception to "commander is given, never taken": while the
role is vacant, any of those owners (or an admin, or a publisher when publishers are
configured) may press "Take command". When the incident affects nothing in the catalog,
nobody was named, so anyone who sees the call may answer it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, select

from app.domain.errors import InvalidInput, NotAllowed, NotFound
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import mention
from app.persistence.tables import Incident
from app.services import roles
from app.services.alert_views import asked_to_command, redraw_command_calls
from app.services.context import BOT_ACTOR, ServiceContext
from app.services.impact import affected_keys
from app.services.lookup import current_holders


@dataclass(frozen=True)
class CommandTaken:
    ref: str
    commander: str
    channel_id: str | None
    already: bool = False  # it was filled before this press


def take_command(ctx: ServiceContext, incident_id: int, user: str) -> CommandTaken:
    publishers = ctx.publisher_ids()  # may ask Slack: not inside the transaction
    with ctx.db.read() as session:
        _incident(session, incident_id)
        owners = command_owners(ctx, affected_keys(session, incident_id))
        owners += asked_to_command(session, incident_id)
    with ctx.unit() as unit:
        incident = _incident(unit.session, incident_id, lock=True)
        commander = current_holders(unit.session, incident_id).get(COMMANDER)
        if commander is not None:
            redraw_command_calls(unit, incident_id, commander)  # in case a call still asks
            return CommandTaken(incident.ref, commander, incident.channel_id, already=True)
        if incident.status == Status.RESOLVED.value:
            raise InvalidInput(f"{incident.ref} is resolved: there is nothing to command.")
        if incident.declared_by != BOT_ACTOR:  # a person declared it: command is only given
            raise NotAllowed(
                f"Command of {incident.ref} is given, not taken: ask an admin to "
                "`/incident assign commander @someone` in its channel."
            )
        ensure_may_take_command(user, incident.ref, owners, ctx.admins, publishers)
        roles.give_role(ctx, unit, incident, COMMANDER, user, user)
        redraw_command_calls(unit, incident_id, user)
        return CommandTaken(incident.ref, user, incident.channel_id)


def command_owners(ctx: ServiceContext, system_keys: Collection[str]) -> list[str]:
    """Who is asked to take command: the owners of the affected systems and of the business
    functions they serve (groups expanded; this may ask Slack)."""
    radius = ctx.catalog.blast_radius(system_keys)
    named = [o for s in radius.affected for o in s.owners]
    named += [o for f in radius.functions for o in f.owners]
    return ctx.people_of(dict.fromkeys(named))


def ensure_may_take_command(
    user: str,
    ref: str,
    owners: Collection[str],
    admins: Collection[str],
    publishers: Collection[str] | None,
) -> None:
    """Owners, admins and publishers; anyone when nobody was named."""
    if not owners or user in owners or user in admins:
        return
    if publishers is not None and user in publishers:
        return
    who = ["the owners of what it affects (" + ", ".join(mention(o) for o in owners) + ")"]
    if admins:
        who.append("a Warroom admin (" + ", ".join(mention(a) for a in sorted(admins)) + ")")
    if publishers:
        who.append("a publisher")
    raise NotAllowed(
        f"Sorry, only {_or(who)} can take command of {ref}. Ask one of them to press "
        "*Take command*."
    )


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _incident(session: Session, incident_id: int, *, lock: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id)
    if lock:
        query = query.with_for_update()
    incident = session.exec(query).first()
    if incident is None:
        raise NotFound("That incident is gone; this button is out of date.")
    return incident
