"""Drills: a scenario run as an incident marked as an exercise, and the debrief scored against
its targets. Pure: the scenario as read from its file, and the facts the debrief is computed
from, come in as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.durations import humanize

MARK = "[DRILL]"  # at the start of everything Warroom says about a drill
# The roles a team must fill for the drill to count as staffed, when the organisation has them.
KEY_ROLES = ("commander", "tech-lead", "comms", "scribe")
REMIND_AFTER = timedelta(days=90)  # "run at least quarterly"


def marked(text: str) -> str:
    """`text` with the drill mark in front (once)."""
    return text if text.startswith(MARK) else f"{MARK} {text}"


@dataclass(frozen=True)
class AlertInject:
    labels: dict[str, str]
    summary: str
    value: str = ""


@dataclass(frozen=True)
class Inject:
    """One thing that happens at an offset from the drill's start: someone says something
    in the channel (`who`, `say`), or the monitoring fires an alert."""

    at: timedelta
    who: str = ""
    say: str = ""
    alert: AlertInject | None = None


@dataclass(frozen=True)
class Targets:
    first_update: timedelta | None = None
    roles_filled: timedelta | None = None
    containment: timedelta | None = None


@dataclass(frozen=True)
class Scenario:
    name: str  # the file's stem
    title: str
    severity: str
    briefing: str = ""
    affects: tuple[str, ...] = ()
    playbook: str | None = None
    injects: tuple[Inject, ...] = ()
    targets: Targets = field(default_factory=Targets)


# --- the debrief ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillFacts:
    """What happened in the drill, read from its records."""

    started_at: datetime
    resolved_at: datetime
    first_update_at: datetime | None  # the first update a person published
    roles_filled_at: dict[str, datetime | None]  # key role -> when first filled (None: never)
    contained_at: datetime | None
    decisions: tuple[tuple[str, datetime, datetime | None], ...] = ()  # (D-n, due, decided)
    updates: tuple[tuple[str, bool], ...] = ()  # (audience, on schedule)
    gates: tuple[tuple[str, str | None], ...] = ()  # (status reached, overriding decision)


@dataclass(frozen=True)
class Line:
    label: str
    measured: str
    target: str = ""
    met: bool | None = None  # None: no target to compare with

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "missed")


def debrief(facts: DrillFacts, targets: Targets) -> list[Line]:
    """One line per measure, each compared with its target where the scenario sets one."""
    start = facts.started_at
    return [
        _timed("Time to first update", start, facts.first_update_at, targets.first_update),
        _roles(facts, targets.roles_filled),
        _timed("Time to containment", start, facts.contained_at, targets.containment),
        _decisions(facts),
        _updates(facts),
        _gates(facts),
    ]


def _timed(label: str, start: datetime, at: datetime | None, target: timedelta | None) -> Line:
    wanted = f"{humanize(target)}" if target else ""
    if at is None:
        return Line(label, "never", wanted, False if target else None)
    took = at - start
    return Line(label, humanize(took), wanted, (took <= target) if target else None)


def _roles(facts: DrillFacts, target: timedelta | None) -> Line:
    label = "Time until every key role was filled"
    missing = [role for role, at in facts.roles_filled_at.items() if at is None]
    if missing:
        wanted = humanize(target) if target else ""
        return Line(
            label, f"never ({', '.join(missing)} not filled)", wanted, False if target else None
        )
    times = [at for at in facts.roles_filled_at.values() if at is not None]
    return _timed(label, facts.started_at, max(times, default=facts.started_at), target)


def _decisions(facts: DrillFacts) -> Line:
    label = "Decisions made before their due time"
    if not facts.decisions:
        return Line(label, "no decisions asked")
    in_time = [ref for ref, due, made in facts.decisions if made is not None and made <= due]
    late = [ref for ref, due, made in facts.decisions if made is None or made > due]
    measured = f"{len(in_time)} of {len(facts.decisions)}"
    if late:
        measured += f" (late or not made: {', '.join(late)})"
    return Line(label, measured, "all", not late)


def _updates(facts: DrillFacts) -> Line:
    label = "Updates on schedule"
    if not facts.updates:
        return Line(label, "no updates", "all", False)
    on_time = sum(1 for _, ok in facts.updates if ok)
    late = sorted({audience for audience, ok in facts.updates if not ok})
    measured = f"{on_time} of {len(facts.updates)}"
    if late:
        measured += f" (late: {', '.join(late)})"
    return Line(label, measured, "all", not late)


def _gates(facts: DrillFacts) -> Line:
    label = "Gates"
    if not facts.gates:
        return Line(label, "none reached")
    parts = [
        f"{status} {'overridden (' + by + ')' if by else 'passed'}" for status, by in facts.gates
    ]
    overridden = any(by for _, by in facts.gates)
    return Line(label, ", ".join(parts), "passed", not overridden)


def on_schedule(
    times: list[datetime],
    started: datetime,
    every: timedelta | None,
    grace: timedelta,
    ended: datetime,
) -> list[bool]:
    """For updates to one audience at `times` (sorted), whether each went out no later than
    one interval (plus grace) after the previous one, the declaration counting as the first;
    a silence longer than that before `ended` counts as one more update, missed."""
    if every is None:
        return [True for _ in times]
    verdicts, previous = [], started
    for at in times:
        verdicts.append(at <= previous + every + grace)
        previous = at
    if ended > previous + every + grace:
        verdicts.append(False)
    return verdicts
