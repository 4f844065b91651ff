"""Regulatory clocks' reminders, from the scheduler: at 50%, 75% and 90% of the time to the
deadline and when it runs out, the holder of the clock's role hears by DM (the commander when
nobody holds it) and the channel hears it too; once overdue, the commander as well.

Each reminder is written to the outbox in the transaction that moves the clock's `wake_at` on,
with the row locked (SKIP LOCKED), so it goes out once however many replicas run. After
downtime that skipped several points, only the latest is sent: the earlier ones are stale.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from app.domain import regulatory_clocks as rules
from app.domain.regulatory_clocks import REMINDER_SHARES, RUNNING
from app.domain.roles import COMMANDER
from app.persistence.tables import Incident, RegulatoryClock
from app.rendering.context import clock_view, person
from app.services import faults, wakes
from app.services.compose import Composer
from app.services.context import BOT_ACTOR, ServiceContext, Unit
from app.services.lookup import current_holders
from app.services.regulatory_clocks import role_title

BATCH = 50


def next_wake(ctx: ServiceContext) -> datetime | None:
    return wakes.next_wake(ctx, RegulatoryClock.wake_at)


def run_due(ctx: ServiceContext, limit: int = BATCH) -> int:
    due = wakes.due(ctx, RegulatoryClock.id, RegulatoryClock.wake_at, limit)
    reminded = 0
    for clock_id in due:
        try:
            reminded += _remind(ctx, clock_id or 0)
        except Exception as exc:  # this clock's reminder waits a little; the others go on
            _remind_failed(ctx, clock_id or 0, exc)
    return reminded


def _locked(unit: Unit, clock_id: int) -> RegulatoryClock | None:
    return unit.session.exec(
        select(RegulatoryClock)
        .where(RegulatoryClock.id == clock_id)
        .with_for_update(skip_locked=True)
    ).first()


def _remind(ctx: ServiceContext, clock_id: int) -> bool:
    with ctx.unit() as unit:
        row = _locked(unit, clock_id)
        if row is None or row.wake_at is None or row.wake_at > unit.now:
            return False  # another replica has it, or it was stopped meanwhile
        if row.status != RUNNING:
            row.wake_at = None
            unit.session.add(row)
            return False
        told_before = row.reminders_sent
        reached = max(rules.reminders_reached(row.started_at, row.due_at, unit.now), told_before)
        row.reminders_sent = reached
        row.wake_at = rules.next_reminder(row.started_at, row.due_at, reached)
        unit.session.add(row)
        if reached == told_before:
            return False  # woken early (a retry after a failure): nothing new to say
        incident = unit.session.get(Incident, row.incident_id)
        assert incident is not None
        _tell(ctx, unit, incident, row, reached)
        faults.clear(unit, f"clock:{clock_id}")
        return True


def _tell(
    ctx: ServiceContext, unit: Unit, incident: Incident, row: RegulatoryClock, reached: int
) -> None:
    assert incident.id is not None
    holders = current_holders(unit.session, incident.id)
    holder, commander = holders.get(row.notify_role), holders.get(COMMANDER)
    overdue = reached == len(REMINDER_SHARES)
    composer = Composer(ctx, unit.session, incident)
    view = clock_view(row, unit.now)
    context = {
        "clock": view,
        "role": role_title(ctx, row.notify_role),
        "share_gone": rules.share_gone(reached),
        "holder": person(holder) if holder else None,
    }
    told = holder or commander
    if told:
        text = composer.render("reminders/clock_due", unit.now, to_commander=not holder, **context)
        unit.post_text(incident.id, text, channel=told)
    if overdue and commander and commander != told:
        text = composer.render("reminders/clock_due", unit.now, to_commander=True, **context)
        unit.post_text(incident.id, text, channel=commander)
    unit.post_text(incident.id, composer.render("reminders/clock_nudge", unit.now, **context))
    reminded = [p for p in dict.fromkeys([told, commander if overdue else None]) if p]
    unit.log(
        incident.id,
        BOT_ACTOR,
        "clock",
        f"{row.label}: {view.left} ({rules.share_gone(reached)} of the time gone); "
        f"reminded {', '.join(reminded) or 'nobody (no commander)'}",
        people=reminded,
    )
    unit.refresh(incident.id)  # the topic's time left


def _remind_failed(ctx: ServiceContext, clock_id: int, error: Exception) -> None:
    with ctx.unit() as unit:
        row = _locked(unit, clock_id)
        if row is None:
            return
        row.wake_at = unit.now + faults.RETRY_AFTER
        unit.session.add(row)
        if faults.note(unit, f"clock:{clock_id}", error, row.incident_id):
            commander = current_holders(unit.session, row.incident_id).get(COMMANDER)
            faults.tell(
                unit, row.incident_id, {commander}, f"remind of the {row.label} clock", error
            )
