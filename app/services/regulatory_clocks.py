"""Regulatory clocks in an incident: flagged (from the moment of awareness), listed, stopped by
the authority's notification or unflagged with a reason. The reminders are in
clock_reminders.py; other parts read the clocks through `clocks_of` and `clock_views`.

Who may do what: anyone in the incident channel may flag a clock (like declaring, starting the
clock early is never the mistake to fear); recording the notification or unflagging belongs to
the holder of the clock's role, the commander and the admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.domain import regulatory_clocks as rules
from app.domain.errors import InvalidInput, NotAllowed
from app.domain.permissions import may_manage
from app.domain.regulatory_clocks import NOTIFIED, RUNNING, UNFLAGGED, ClockKind
from app.domain.roles import COMMANDER
from app.domain.text import escape, mention
from app.persistence.tables import Incident, RegulatoryClock
from app.rendering.context import ClockView, clock_view, slack_date
from app.services.context import Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel


@dataclass(frozen=True)
class Flagged:
    """What the person who flagged a clock is told: when it started and when it runs out."""

    incident_ref: str
    key: str
    label: str
    started_at: datetime
    due_at: datetime
    left: str
    holder: str | None  # who holds the clock's role (None: unfilled, the commander is told)
    notify_role: str


@dataclass(frozen=True)
class Listed:
    incident_ref: str
    clocks: list[RegulatoryClock]
    kinds: rules.ClockCatalog
    now: datetime


# --- commands -------------------------------------------------------------------------------


def flag(
    ctx: ServiceContext, channel_id: str, name: str, actor: str, aware_since: datetime | None
) -> Flagged:
    """`/incident flag personal-data [--aware-since …]`: the clock starts at the moment of
    awareness (default now); the holder of its role is invited and told."""
    kind = ctx.clocks.get(name)
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        started = rules.check_awareness(aware_since or unit.now, unit.now)
        row = _row(unit.session, incident.id, kind.key)
        if row is not None and row.status != UNFLAGGED:
            raise InvalidInput(_already(row, incident, unit.now))
        row = _start(unit, row, incident.id, kind, started, actor)
        holders = current_holders(unit.session, incident.id)
        holder = holders.get(kind.notify_role)
        _announce_flag(ctx, unit, incident, row, holder, holders.get(COMMANDER), actor)
        unit.refresh(incident.id)
        left = rules.time_left(row.due_at, unit.now)
        return Flagged(
            incident.ref, kind.key, kind.label, started, row.due_at, left, holder, kind.notify_role
        )


def record_notified(
    ctx: ServiceContext, channel_id: str, name: str, reference: str, actor: str
) -> RegulatoryClock:
    """`/incident notified personal-data ICO-2026-1234`: who, when and the authority's
    reference; the clock stops and so do its reminders."""
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        row = _running(unit.session, incident, name, unit.now)
        reference = rules.check_reference(reference, row.clock)
        _ensure_may_settle(ctx, unit.session, row, actor, "record the notification of")
        row.status, row.notified_by, row.notified_at = NOTIFIED, actor, unit.now
        row.reference, row.wake_at = reference, None
        unit.session.add(row)
        state = rules.notified_state(row.due_at, unit.now)
        unit.log(
            row.incident_id,
            actor,
            "clock",
            f"{row.label}: authority notified ({state}), reference {reference}",
        )
        unit.post_text(
            row.incident_id,
            f":white_check_mark: *{escape(row.label)}*: the authority was notified, "
            f"{_state_words(state)}; recorded by {mention(actor)}, reference "
            f"`{escape(reference)}`. The clock is stopped.",
        )
        unit.refresh(row.incident_id)
        return row


def unflag(
    ctx: ServiceContext, channel_id: str, name: str, reason: str, actor: str
) -> RegulatoryClock:
    """`/incident unflag personal-data <reason>`: the clock no longer applies; the reason goes
    on the timeline and the channel hears it."""
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        row = _running(unit.session, incident, name, unit.now)
        why = rules.check_reason(reason, row.clock)
        _ensure_may_settle(ctx, unit.session, row, actor, "unflag")
        row.status, row.unflagged_by, row.unflagged_at = UNFLAGGED, actor, unit.now
        row.unflag_reason, row.wake_at = why, None
        unit.session.add(row)
        unit.log(row.incident_id, actor, "clock", f"{row.label}: unflagged. Why: {why}")
        unit.post_text(
            row.incident_id,
            f":no_bell: *{escape(row.label)}* unflagged by {mention(actor)}: {escape(why)}",
        )
        unit.refresh(row.incident_id)
        return row


def listed(ctx: ServiceContext, channel_id: str) -> Listed:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        return Listed(
            incident.ref, clocks_of(session, incident.id or 0), ctx.clocks, ctx.clock.now()
        )


def on_resolved(ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
    """Resolving fixes the service, not the legal duty: each clock still running is named in
    the channel, with its deadline and the holder of its role, so nobody reads "resolved" as
    "done"."""
    assert incident.id is not None
    running = [c for c in clocks_of(unit.session, incident.id) if c.status == RUNNING]
    if not running:
        return
    holders = current_holders(unit.session, incident.id)
    lines = []
    for c in running:
        holder = holders.get(c.notify_role) or holders.get(COMMANDER)
        who = f" ({mention(holder)})" if holder else ""
        lines.append(
            f"• *{escape(c.label)}*{who}: notify the authority by {slack_date(c.due_at)} "
            f"(*{rules.time_left(c.due_at, unit.now)}*), then `/incident notified {c.clock} "
            "<reference>`"
        )
    unit.post_text(
        incident.id,
        ":alarm_clock: Resolving does not stop the regulatory clocks still running:\n"
        + "\n".join(lines),
    )


# --- reading, for other parts (updates, the summary, the post-mortem) ------------------------


def clocks_of(session: Session, incident_id: int) -> list[RegulatoryClock]:
    """Every clock flagged in an incident, in the order flagged."""
    return list(
        session.exec(
            select(RegulatoryClock)
            .where(RegulatoryClock.incident_id == incident_id)
            .order_by(col(RegulatoryClock.flagged_at), col(RegulatoryClock.id))
        )
    )


def clock_views(session: Session, incident_id: int, now: datetime) -> list[ClockView]:
    """What updates and the summary show: clocks running (soonest due first), then notified."""
    shown = [c for c in clocks_of(session, incident_id) if c.status != UNFLAGGED]
    shown.sort(key=lambda c: (c.status != RUNNING, c.due_at))
    return [clock_view(c, now) for c in shown]


# --- internals ------------------------------------------------------------------------------


def _row(session: Session, incident_id: int, key: str) -> RegulatoryClock | None:
    return session.exec(
        select(RegulatoryClock)
        .where(RegulatoryClock.incident_id == incident_id, RegulatoryClock.clock == key)
        .with_for_update()
    ).first()


def _already(row: RegulatoryClock, incident: Incident, now: datetime) -> str:
    if row.status == NOTIFIED:
        return (
            f"The {escape(row.label)} clock of {incident.ref} is already done: the authority "
            f"was notified by {mention(row.notified_by or '')} "
            f"({rules.notified_state(row.due_at, row.notified_at or now)}), reference "
            f"`{escape(row.reference)}`. Nothing changed."
        )
    return (
        f"The {escape(row.label)} clock of {incident.ref} is already running: flagged by "
        f"{mention(row.flagged_by)}, aware since {slack_date(row.started_at)}, "
        f"{rules.time_left(row.due_at, now)}. Nothing changed; `/incident clocks` lists them."
    )


def _start(
    unit: Unit,
    row: RegulatoryClock | None,
    incident_id: int,
    kind: ClockKind,
    started: datetime,
    actor: str,
) -> RegulatoryClock:
    """A new clock, or one unflagged earlier started afresh (its unflagging stays logged).
    Reminder points already past when it is flagged count as told: the flag says it all."""
    due = started + kind.deadline
    reached = rules.reminders_reached(started, due, unit.now)
    if row is None:
        row = RegulatoryClock(
            incident_id=incident_id,
            clock=kind.key,
            label=kind.label,
            notify_role=kind.notify_role,
            started_at=started,
            due_at=due,
            flagged_by=actor,
            flagged_at=unit.now,
        )
    row.label, row.notify_role = kind.label, kind.notify_role
    row.started_at, row.due_at = started, due
    row.flagged_by, row.flagged_at, row.status = actor, unit.now, RUNNING
    row.reminders_sent, row.wake_at = reached, rules.next_reminder(started, due, reached)
    row.notified_by = row.notified_at = row.unflagged_by = row.unflagged_at = None
    row.reference = row.unflag_reason = ""
    unit.session.add(row)
    unit.session.flush()
    return row


def _announce_flag(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    row: RegulatoryClock,
    holder: str | None,
    commander: str | None,
    actor: str,
) -> None:
    assert incident.id is not None
    left = rules.time_left(row.due_at, unit.now)
    role = role_title(ctx, row.notify_role)
    unit.log(
        incident.id,
        actor,
        "clock",
        f"{row.label} clock flagged: aware since {_utc(row.started_at)}, "
        f"notify by {_utc(row.due_at)} ({left})",
    )
    if holder:
        unit.say(Op.INVITE, incident_id=incident.id, payload={"users": [holder]})
        who = f"{mention(holder)} ({role}) will be reminded."
    else:
        who = (
            f"Nobody holds the {role} role, so the commander is reminded: "
            f"`/incident assign {row.notify_role} @person`."
        )
    unit.post_text(
        incident.id,
        f":alarm_clock: *{escape(row.label)}* clock started by {mention(actor)}: aware since "
        f"{slack_date(row.started_at)}, notify the authority by {slack_date(row.due_at)} "
        f"(*{left}*). {who} Once notified: `/incident notified {row.clock} <reference>`.",
    )
    told = holder or commander
    if told and told != actor:
        unit.post_text(
            incident.id,
            f":alarm_clock: The *{escape(row.label)}* clock started in *{incident.ref}* "
            f"({escape(incident.title)}): notify the authority by {slack_date(row.due_at)} "
            f"({left}). "
            + ("" if holder else f"Nobody holds the {role} role yet. ")
            + f"Once notified: `/incident notified {row.clock} <reference>` in "
            f"<#{incident.channel_id}>.",
            channel=told,
        )


def _running(session: Session, incident: Incident, name: str, now: datetime) -> RegulatoryClock:
    """The clock named, still running (found by the name it was flagged under, even if the
    configuration has changed since)."""
    assert incident.id is not None
    row = _row(session, incident.id, rules.canonical(name))
    if row is None:
        flagged = ", ".join(f"`{c.clock}`" for c in clocks_of(session, incident.id)) or "none"
        raise InvalidInput(
            f"{incident.ref} has no `{escape(name)}` clock (flagged: {flagged}). "
            "`/incident clocks` lists them."
        )
    if row.status == NOTIFIED:
        raise InvalidInput(_already(row, incident, now))
    if row.status == UNFLAGGED:
        raise InvalidInput(
            f"The {escape(row.label)} clock of {incident.ref} was unflagged by "
            f"{mention(row.unflagged_by or '')}: {escape(row.unflag_reason)}. "
            f"`/incident flag {row.clock}` starts it again."
        )
    return row


def _ensure_may_settle(
    ctx: ServiceContext, session: Session, row: RegulatoryClock, actor: str, what: str
) -> None:
    holders = current_holders(session, row.incident_id)
    holder, commander = holders.get(row.notify_role), holders.get(COMMANDER)
    if actor == holder or may_manage(actor, commander, ctx.admins):
        return
    role = role_title(ctx, row.notify_role)
    who = f"the {role} holder ({mention(holder)})" if holder else f"the {role} holder"
    commander_named = f" ({mention(commander)})" if commander else ""
    raise NotAllowed(
        f"Sorry, only {who}, the commander{commander_named} or a Warroom admin can {what} "
        f"the {escape(row.label)} clock."
    )


def role_title(ctx: ServiceContext, key: str) -> str:
    """The role's title; a role since removed from the configuration by its key."""
    return ctx.roles.get(key).title if key in ctx.roles.keys else key


def _state_words(state: str) -> str:
    return "*on time*" if state == "notified on time" else f"*{state.removeprefix('notified ')}*"


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
