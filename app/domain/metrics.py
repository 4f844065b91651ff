"""An incident's numbers, computed from plain facts: how fast it was detected, declared,
contained and resolved, how fast each decision was made, how well each audience was kept
informed. Nothing here reads a database or a clock: the facts and "now" come in.

Choices a reader of the report should know:
- Contained is the first time the incident reached `contained` or any later status (an
  incident moved straight from investigating to resolved was contained when it was resolved).
  Contained and resolved are the FIRST times, even when the incident was reopened later:
  time to resolve measures the first fix, and `reopened` says it did not hold.
- Severity is the incident's severity at resolution (its current one while it is open); the
  report groups by it. The severities it had before decide when each audience was owed updates.
- An audience is owed updates while the incident is open (not between a resolution and a
  reopen) and its severity brings that audience in. Its longest silence is the longest owed
  stretch without an update: from the start of an owed stretch (declaration, or the severity
  change or reopen that began it) to the first update, between updates, and to the end of the
  stretch (resolution, a downgrade, or now).
- An update is on schedule when it was published no later than its due time plus the grace
  (`updates_grace`). An update with nothing due (a severity without cadence) is on schedule.
  A due time before the owed stretch began (the cadence counts from the last update, so after
  a raise to sev1 or a reopen the update is due at once) counts from the stretch's start.
  Updates published before due times were recorded are left out of the share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from app.domain.status import Status

NOT_RECORDED = "not-recorded"  # an update from before due times were kept


@dataclass(frozen=True)
class Move:
    """A status or severity change from the timeline."""

    at: datetime
    before: str
    after: str


@dataclass(frozen=True)
class DecisionFacts:
    number: int
    asked_at: datetime
    decided_at: datetime | None  # None while pending (or closed without a decision)


@dataclass(frozen=True)
class UpdateFacts:
    """One published update: when, to whom, and when each audience's update was due (None:
    nothing was due; NOT_RECORDED: published before due times were kept)."""

    at: datetime
    due: Mapping[str, datetime | str | None]


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    severity: str  # current
    status: str  # current
    drill: bool
    declared_at: datetime
    detected_at: datetime | None
    started_at: datetime | None
    milestones: Mapping[str, datetime]  # status -> first reached
    status_moves: Sequence[Move] = ()
    severity_moves: Sequence[Move] = ()
    decisions: Sequence[DecisionFacts] = ()
    updates: Sequence[UpdateFacts] = ()


@dataclass(frozen=True)
class AudienceNumbers:
    updates: int
    on_schedule: int | None  # None: no update with a recorded due time
    scheduled: int  # updates whose due time was recorded (the share's denominator)
    longest_silence: timedelta | None  # None: the audience was never owed an update

    @property
    def share_on_schedule(self) -> float | None:
        if not self.scheduled or self.on_schedule is None:
            return None
        return self.on_schedule / self.scheduled


@dataclass(frozen=True)
class IncidentNumbers:
    incident_id: int
    declared_at: datetime
    severity: str  # at resolution, or current while open
    drill: bool
    resolved: bool
    reopened: bool
    time_to_detect: timedelta | None  # started → detected; None when started is unknown
    time_to_declare: timedelta | None  # detected → declared
    time_to_contain: timedelta | None  # declared → first contained (or later) status
    time_to_resolve: timedelta | None  # declared → first resolved
    time_to_decide: Mapping[int, timedelta] = field(default_factory=dict)  # D-n → asked→made
    audiences: Mapping[str, AudienceNumbers] = field(default_factory=dict)
    # Filled by the post-mortem and action-item parts once their records exist; None: unknown.
    postmortem_on_time: bool | None = None
    action_items_open: int | None = None


AppliesTo = Callable[[str, str], bool]  # (audience, severity) -> does it follow


def incident_numbers(
    facts: IncidentFacts,
    audiences: Sequence[str],
    applies: AppliesTo,
    grace: timedelta,
    now: datetime,
) -> IncidentNumbers:
    contained = first_contained(facts.milestones)
    resolved = facts.milestones.get(Status.RESOLVED.value)
    detected = facts.detected_at or facts.declared_at
    open_periods = active_periods(facts, now)
    held = severity_periods(facts, now)
    sent_to = {key for u in facts.updates for key in u.due}
    return IncidentNumbers(
        incident_id=facts.incident_id,
        declared_at=facts.declared_at,
        severity=facts.severity,
        drill=facts.drill,
        resolved=facts.status == Status.RESOLVED.value,
        reopened=any(m.before == Status.RESOLVED.value for m in facts.status_moves),
        time_to_detect=_span(facts.started_at, detected),
        time_to_declare=_span(detected, facts.declared_at),
        time_to_contain=_span(facts.declared_at, contained),
        time_to_resolve=_span(facts.declared_at, resolved),
        time_to_decide={
            d.number: d.decided_at - d.asked_at for d in facts.decisions if d.decided_at
        },
        audiences={
            key: _audience(facts, key, applies, grace, open_periods, held)
            for key in audiences
            if key in sent_to or any(applies(key, s) for s, _ in held)
        },
    )


def first_contained(milestones: Mapping[str, datetime]) -> datetime | None:
    reached = [at for status, at in milestones.items() if _order(status) >= _CONTAINED]
    return min(reached, default=None)


Period = tuple[datetime, datetime]


def active_periods(facts: IncidentFacts, now: datetime) -> list[Period]:
    """When the incident was open: from declaration to resolution, from a reopen to the next."""
    periods: list[Period] = []
    start: datetime | None = facts.declared_at
    for move in sorted(facts.status_moves, key=lambda m: m.at):
        if move.after == Status.RESOLVED.value and start is not None:
            periods.append((start, move.at))
            start = None
        elif move.before == Status.RESOLVED.value and start is None:
            start = move.at
    if start is not None:  # still open, or resolved without the move in the timeline
        resolved = facts.milestones.get(Status.RESOLVED.value)
        closed = facts.status == Status.RESOLVED.value and resolved and resolved > start
        periods.append((start, resolved if closed and resolved else now))
    return [(a, b) for a, b in periods if b > a]


def severity_periods(facts: IncidentFacts, now: datetime) -> list[tuple[str, Period]]:
    """Which severity the incident had, from when to when."""
    moves = sorted(facts.severity_moves, key=lambda m: m.at)
    first = moves[0].before if moves else facts.severity
    out: list[tuple[str, Period]] = []
    start, severity = facts.declared_at, first
    for move in moves:
        out.append((severity, (start, move.at)))
        start, severity = move.at, move.after
    out.append((severity, (start, now)))
    return [(s, (a, b)) for s, (a, b) in out if b > a]


def owed_periods(
    audience: str, applies: AppliesTo, open_: list[Period], held: list[tuple[str, Period]]
) -> list[Period]:
    """Open time during which the severity held (`severity_periods`) brought this audience in."""
    following = _merged([p for s, p in held if applies(audience, s)])
    owed = [_overlap(a, b) for a in following for b in open_]
    return sorted(p for p in owed if p is not None)


def _merged(periods: list[Period]) -> list[Period]:
    """Back-to-back periods as one (sev1 then sev2 is one stretch for the business)."""
    out: list[Period] = []
    for start, end in sorted(periods):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def longest_silence(owed: Sequence[Period], updates: Sequence[datetime]) -> timedelta | None:
    if not owed:
        return None
    longest = timedelta(0)
    for start, end in owed:
        marks = [start, *sorted(u for u in updates if start < u < end), end]
        longest = max(longest, *(b - a for a, b in pairwise(marks)))
    return longest


def on_schedule(at: datetime, due: datetime | None, grace: timedelta) -> bool:
    return due is None or at <= due + grace


def _audience(
    facts: IncidentFacts,
    key: str,
    applies: AppliesTo,
    grace: timedelta,
    open_: list[Period],
    held: list[tuple[str, Period]],
) -> AudienceNumbers:
    mine = [u for u in facts.updates if key in u.due]
    owed = owed_periods(key, applies, open_, held)
    scheduled = [(u.at, u.due[key]) for u in mine if u.due[key] != NOT_RECORDED]
    kept = sum(
        on_schedule(at, _owed_from(due, at, owed), grace)
        for at, due in scheduled
        if not isinstance(due, str)
    )
    return AudienceNumbers(
        updates=len(mine),
        on_schedule=kept if scheduled else None,
        scheduled=len(scheduled),
        longest_silence=longest_silence(owed, [u.at for u in mine]),
    )


def _owed_from(due: datetime | None, at: datetime, owed: Sequence[Period]) -> datetime | None:
    """An update falls due no earlier than the stretch it was owed in began: raised to sev1
    (or reopened) after a quiet hour, the update the cadence marks due at once is on time when
    sent at once."""
    if due is None:
        return None
    began = [start for start, _ in owed if start <= at]
    return max(due, max(began)) if began else due


def _overlap(a: Period, b: Period) -> Period | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def _span(start: datetime | None, end: datetime | None) -> timedelta | None:
    return end - start if start is not None and end is not None else None


_CONTAINED = Status.CONTAINED.order


def _order(status: str) -> int:
    try:
        return Status(status).order
    except ValueError:
        return -1


def parse_move(text: str, at: datetime, word: str) -> Move | None:
    """`Status resolved → investigating: reason` (as the lifecycle logs it) as a Move."""
    head = text.split(":", 1)[0]
    if not head.startswith(word + " ") or " → " not in head:
        return None
    before, after = head[len(word) + 1 :].split(" → ", 1)
    return Move(at, before.strip().lower(), after.strip().lower())


@dataclass(frozen=True)
class Summary:
    """Mean and median of a set of durations (None when there is none)."""

    count: int
    mean: timedelta | None
    median: timedelta | None


def summarise(values: Sequence[timedelta | None]) -> Summary:
    known = sorted(v for v in values if v is not None)
    if not known:
        return Summary(0, None, None)
    n = len(known)
    mean = sum(known, timedelta(0)) / n
    middle = known[n // 2] if n % 2 else (known[n // 2 - 1] + known[n // 2]) / 2
    return Summary(n, mean, middle)


def summarise_seconds(values: list[float]) -> Summary:
    """`summarise` for many values already in seconds (a year's report: floats sort faster)."""
    if not values:
        return Summary(0, None, None)
    values.sort()
    n = len(values)
    middle = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return Summary(n, timedelta(seconds=sum(values) / n), timedelta(seconds=middle))


def due_record(due: Mapping[str, datetime | None]) -> dict[str, str | None]:
    """How an update stores each audience's due time (StatusUpdate.due)."""
    return {audience: at.isoformat() if at else None for audience, at in due.items()}
