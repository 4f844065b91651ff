"""The rhythm of updates: when each audience is next due, and when a miss becomes overdue.

Each audience of an incident keeps the time of its last update. The next one is due an
interval later (the interval set by the current severity); the declaration counts as the first
update. A due time in the past means due now: after downtime that is one catch-up update, not
one per missed interval, because the next due time is counted from when it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.severity import Severity


def next_due(last_update: datetime, severity: Severity) -> datetime | None:
    """None when the severity has no cadence (e.g. sev4)."""
    if severity.update_every is None:
        return None
    return last_update + severity.update_every


def overdue_after(due: datetime, severity: Severity) -> datetime | None:
    """A manual update is overdue (the commander is told) half an interval after it fell due."""
    if severity.update_every is None:
        return None
    return due + severity.update_every / 2


def is_due(due: datetime | None, now: datetime) -> bool:
    return due is not None and due <= now


@dataclass(frozen=True)
class ClockPlan:
    """When an audience's next update is due, and when the scheduler must next look at it."""

    due_at: datetime | None
    wake_at: datetime | None  # None: nothing to do until something changes


def plan(
    last_update: datetime,
    severity: Severity,
    *,
    follows: bool,
    automatic: bool,
    reminded: bool,
    overdue_told: bool,
) -> ClockPlan:
    """The state machine of one audience's clock.

    An automatic audience wakes when its update is due (and is sent then). A manual one wakes
    when due (someone is reminded), then half an interval later (the commander is told it is
    overdue), then not again until a person publishes. An audience that does not follow the
    incident (severity too low, private, resolved) has nothing due."""
    due = next_due(last_update, severity) if follows else None
    if due is None:
        return ClockPlan(None, None)
    if automatic or not reminded:
        return ClockPlan(due, due)
    if not overdue_told:
        return ClockPlan(due, overdue_after(due, severity))
    return ClockPlan(due, None)
