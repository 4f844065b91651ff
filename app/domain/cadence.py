"""The rhythm of updates: when each audience is next due, and when a miss becomes overdue.

Each audience of an incident keeps the time of its last update. The next one is due an
interval later (the interval set by the current severity); the declaration counts as the first
update. A due time in the past means due now: after downtime that is one catch-up update, not
one per missed interval, because the next due time is counted from when it was sent.
"""

from __future__ import annotations

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
