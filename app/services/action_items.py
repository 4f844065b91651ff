"""Action items: A-n recorded in an incident, owned and due, reminded until closed with how
the fix was verified in production.

Commands reach an incident by its channel or, once that channel is archived (nothing typed
there arrives any more), by its reference from anywhere: `Where`. Notices go to the incident
channel only when the command was typed there, so a closed-out war room is never posted into;
the owner hears by DM. Other parts read the items through `items_of` and `counts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain import action_items as rules
from app.domain.action_items import DONE, OPEN, Counts, action_ref
from app.domain.errors import InvalidInput, NotAllowed, NotFound
from app.domain.permissions import may_manage
from app.domain.roles import COMMANDER
from app.domain.text import escape, mention
from app.persistence.tables import ActionItem, HomeViewer, Incident
from app.services import faults, wakes
from app.services import outbox_messages as said
from app.services.context import RECENT_HOME_VIEWERS, ServiceContext, Unit
from app.services.lookup import IncidentAccess, current_holders, incident_in_channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """The incident a command names: the channel it was typed in, or `INC-n` from anywhere."""

    channel_id: str
    incident_number: int | None = None


@dataclass(frozen=True)
class NewItem:
    text: str
    actor: str
    owner: str | None = None  # None: the commander (or, with none, whoever records it)
    due_in: timedelta | None = None  # None: by the incident's severity
    kind: str = rules.DEFAULT_KIND


@dataclass(frozen=True)
class Item:
    """One action item as plain values (it outlives the transaction that read it)."""

    incident_id: int
    number: int
    text: str
    kind: str
    owner: str
    created_by: str
    created_at: datetime
    due_at: datetime
    status: str
    done_by: str | None
    done_at: datetime | None
    verification: str

    @property
    def ref(self) -> str:
        return action_ref(self.number)

    @property
    def open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class Listed:
    incident_ref: str
    items: list[Item]
    now: datetime


# --- recording and closing ------------------------------------------------------------------


def record(ctx: ServiceContext, where: Where, new: NewItem) -> Item:
    text = rules.check_text(new.text)
    kind = rules.check_kind(new.kind)
    with ctx.unit() as unit:
        incident = _incident(unit.session, where, lock=True)
        assert incident.id is not None
        commander = current_holders(unit.session, incident.id).get(COMMANDER)
        due_in = new.due_in or ctx.config.action_item_due(incident.severity)
        item = ActionItem(
            incident_id=incident.id,
            number=_next_number(unit.session, incident.id),
            text=text,
            kind=kind,
            owner=new.owner or commander or new.actor,
            created_by=new.actor,
            created_at=unit.now,
            due_at=unit.now + due_in,
        )
        item.wake_at = item.due_at
        unit.session.add(item)
        unit.session.flush()
        ref = action_ref(item.number)
        unit.log(
            incident.id,
            new.actor,
            "action",
            f"{ref} recorded ({kind}): {text}. Owner {item.owner}, due {item.due_at:%Y-%m-%d}",
            people=[item.owner],
        )
        message = said.ActionItemRecorded(
            ref, text, kind, item.owner, item.due_at.isoformat(), new.actor
        )
        if _typed_in_channel(incident, where):
            unit.post_in_incident(incident.id, message)
        if item.owner != new.actor:
            unit.direct_message(incident.id, item.owner, message)
        _refresh_home(unit, item.owner)
        return _plain(item)


def close(ctx: ServiceContext, where: Where, number: int, verification: str, actor: str) -> Item:
    """Done, with how it was verified in production: by its owner, the commander or an admin."""
    how = rules.check_verification(verification, action_ref(number))
    with ctx.unit() as unit:
        incident = _incident(unit.session, where, lock=True)
        assert incident.id is not None
        item = _item(unit.session, incident, number)
        ref = action_ref(number)
        if item.status == DONE:
            when = f" on {item.done_at:%Y-%m-%d}" if item.done_at else ""
            raise InvalidInput(
                f"{ref} was already done, closed by {mention(item.done_by or '')}{when}: "
                f"{escape(item.verification)}"
            )
        commander = current_holders(unit.session, incident.id).get(COMMANDER)
        if actor != item.owner and not may_manage(actor, commander, ctx.admins):
            raise NotAllowed(
                f"Sorry, only its owner ({mention(item.owner)}), the commander or a Warroom "
                f"admin can close {ref}."
            )
        item.status, item.done_by, item.done_at = DONE, actor, unit.now
        item.verification, item.wake_at = how, None
        unit.session.add(item)
        unit.log(
            incident.id, actor, "action", f"{ref} done: {item.text}. Verified: {how}", people=[]
        )
        message = said.ActionItemDone(ref, item.text, actor, how)
        if _typed_in_channel(incident, where):
            unit.post_in_incident(incident.id, message)
        if item.owner != actor:
            unit.direct_message(incident.id, item.owner, message)
        _refresh_home(unit, item.owner)
        return _plain(item)


def listed(ctx: ServiceContext, where: Where) -> Listed:
    with ctx.db.read() as session:
        incident = _incident(session, where)
        return Listed(incident.ref, items_of(session, incident.id or 0), ctx.clock.now())


def access(ctx: ServiceContext, where: Where, user: str) -> IncidentAccess | None:
    """What the edge must check before acting for `user`: None when nothing (a public
    incident, a command typed in its own channel, or someone with a part in its items);
    else the private incident, whose channel's members Slack knows."""
    with ctx.db.read() as session:
        incident = _incident(session, where)
        if not incident.private or _typed_in_channel(incident, where):
            return None
        holders = current_holders(session, incident.id or 0)
        involved = {holders.get(COMMANDER), *(i.owner for i in items_of(session, incident.id or 0))}
        if user in involved or user in ctx.admins:
            return None
        return IncidentAccess(incident.ref, incident.channel_id or "", True)


# --- reading, for other parts (metrics, the post-mortem, App Home) ---------------------------


def items_of(session: Session, incident_id: int) -> list[Item]:
    """An incident's action items, A-1 first."""
    rows = session.exec(
        select(ActionItem)
        .where(ActionItem.incident_id == incident_id)
        .order_by(col(ActionItem.number))
    )
    return [_plain(row) for row in rows]


def counts(session: Session, since: datetime, now: datetime, *, drills: bool = False) -> Counts:
    """Over [since, now]: items opened, items done, and items open past their due date now.
    Drills are counted apart (`drills=True`), never with real incidents."""
    real = select(Incident.id).where(Incident.drill == drills)
    of_kind = col(ActionItem.incident_id).in_(real)
    opened = select(func.count()).where(of_kind, col(ActionItem.created_at) >= since)
    done = select(func.count()).where(
        of_kind, ActionItem.status == DONE, col(ActionItem.done_at) >= since
    )
    overdue = select(func.count()).where(
        of_kind, ActionItem.status == OPEN, col(ActionItem.due_at) <= now
    )
    return Counts(
        int(session.exec(opened).one()),
        int(session.exec(done).one()),
        int(session.exec(overdue).one()),
    )


@dataclass(frozen=True)
class OwnedItem:
    """An open action item as its owner's App Home shows it."""

    incident_ref: str
    channel_id: str | None
    ref: str
    text: str
    due_at: datetime


def owned_by(session: Session, user: str, limit: int = 50) -> list[OwnedItem]:
    """The open items someone owns, across incidents, soonest due (so overdue) first."""
    rows = session.exec(
        select(ActionItem, Incident.channel_id)
        .join(Incident, col(Incident.id) == col(ActionItem.incident_id))
        .where(ActionItem.owner == user, ActionItem.status == OPEN)
        .order_by(col(ActionItem.due_at), col(ActionItem.id))
        .limit(limit)
    )
    return [
        OwnedItem(
            f"INC-{item.incident_id}", channel, action_ref(item.number), item.text, item.due_at
        )
        for item, channel in rows
    ]


# --- reminders, from the scheduler ----------------------------------------------------------


def next_wake(ctx: ServiceContext) -> datetime | None:
    return wakes.next_wake(ctx, ActionItem.wake_at)


def run_due(ctx: ServiceContext, limit: int = 50) -> int:
    """DM the owner of each open item that fell due, then again a week later, until done."""
    due = wakes.due(ctx, ActionItem.id, ActionItem.wake_at, limit)
    sent = 0
    for item_id in due:
        try:
            sent += _remind_one(ctx, item_id or 0)
        except Exception:  # this reminder waits a little; the others go on
            log.exception("could not remind the owner of action item #%s", item_id)
            _postpone(ctx, item_id or 0)
    return sent


def _remind_one(ctx: ServiceContext, item_id: int) -> bool:
    with ctx.unit() as unit:
        item = unit.session.exec(
            select(ActionItem).where(ActionItem.id == item_id).with_for_update(skip_locked=True)
        ).first()
        if item is None or item.wake_at is None or item.wake_at > unit.now:
            return False  # another replica has it, or it was closed meanwhile
        if item.status != OPEN:
            item.wake_at = None
            unit.session.add(item)
            return False
        overdue = item.due_at < unit.now - timedelta(days=1)
        message = said.ActionItemDue(
            action_ref(item.number), item.text, item.due_at.isoformat(), overdue
        )
        unit.direct_message(item.incident_id, item.owner, message)
        item.wake_at = rules.next_reminder(item.due_at, unit.now)
        item.reminders_sent += 1
        unit.session.add(item)
        return True


def _postpone(ctx: ServiceContext, item_id: int) -> None:
    with ctx.unit() as unit:
        item = unit.session.get(ActionItem, item_id)
        if item is not None and item.wake_at is not None:
            item.wake_at = unit.now + faults.RETRY_AFTER
            unit.session.add(item)


# --- internals ------------------------------------------------------------------------------


def _incident(session: Session, where: Where, *, lock: bool = False) -> Incident:
    if where.incident_number is None:
        return incident_in_channel(session, where.channel_id, lock=lock)
    query = select(Incident).where(Incident.id == where.incident_number)
    if lock:
        query = query.with_for_update()
    incident = session.exec(query).first()
    if incident is None:
        raise NotFound(f"There is no INC-{where.incident_number}.")
    return incident


def _typed_in_channel(incident: Incident, where: Where) -> bool:
    return bool(incident.channel_id) and incident.channel_id == where.channel_id


def _item(session: Session, incident: Incident, number: int) -> ActionItem:
    item = session.exec(
        select(ActionItem)
        .where(ActionItem.incident_id == incident.id, ActionItem.number == number)
        .with_for_update()
    ).first()
    if item is None:
        known = ", ".join(i.ref for i in items_of(session, incident.id or 0)) or "none yet"
        raise NotFound(
            f"{incident.ref} has no {action_ref(number)} (its action items: {known}); "
            f"`/incident actions {incident.ref}` lists them."
        )
    return item


def _next_number(session: Session, incident_id: int) -> int:
    highest = session.exec(
        select(func.max(ActionItem.number)).where(ActionItem.incident_id == incident_id)
    ).one()
    return int(highest or 0) + 1


def _refresh_home(unit: Unit, user: str) -> None:
    """The owner's Home tab shows their items: redraw it if they look at it lately."""
    viewer = unit.session.get(HomeViewer, user)
    if viewer is not None and viewer.opened_at >= unit.now - RECENT_HOME_VIEWERS:
        unit.refresh_home(user)


def _plain(row: ActionItem) -> Item:
    return Item(
        incident_id=row.incident_id,
        number=row.number,
        text=row.text,
        kind=row.kind,
        owner=row.owner,
        created_by=row.created_by,
        created_at=row.created_at,
        due_at=row.due_at,
        status=row.status,
        done_by=row.done_by,
        done_at=row.done_at,
        verification=row.verification,
    )
