"""The numbers of many incidents, summed up: mean and median of each time, by severity, by
business function and by system; updates per audience; incidents and drills apart."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.metrics import IncidentNumbers, Summary, summarise, summarise_seconds
from app.domain.regulatory_clocks import ClockRow

# (column key, title, value of one incident); time to decide has one value per decision.
TIMES: tuple[tuple[str, str], ...] = (
    ("detect", "Time to detect"),
    ("declare", "Time to declare"),
    ("contain", "Time to contain"),
    ("resolve", "Time to resolve"),
    ("decide", "Time to decide"),
)


def _values(n: IncidentNumbers, key: str) -> list[timedelta | None]:
    if key == "decide":
        return list(n.time_to_decide.values())
    return [getattr(n, f"time_to_{key}")]


@dataclass(frozen=True)
class GroupRow:
    group: str  # "all", a severity, a business function's name or a system key
    incidents: int
    reopened: int
    times: Mapping[str, Summary]


@dataclass(frozen=True)
class AudienceRow:
    audience: str
    incidents: int  # incidents that owed it updates
    updates: int
    on_schedule: int
    scheduled: int
    silence: Summary  # of each incident's longest silence
    useful: int = 0  # "Was this useful?" votes
    not_useful: int = 0

    @property
    def share_on_schedule(self) -> float | None:
        return self.on_schedule / self.scheduled if self.scheduled else None


@dataclass(frozen=True)
class Section:
    """Incidents, or drills: the same tables for each."""

    title: str
    overall: GroupRow
    by_severity: list[GroupRow]
    by_function: list[GroupRow]
    by_system: list[GroupRow]
    audiences: list[AudienceRow]


@dataclass(frozen=True)
class FollowUps:
    """Post-mortems and action items; None where that part of Warroom is not there yet."""

    postmortems_due: int | None = None
    postmortems_on_time: int | None = None
    actions_opened: int | None = None
    actions_done: int | None = None
    actions_overdue: int | None = None


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    incidents: Section
    drills: Section
    follow_ups: FollowUps
    weeks: list[tuple[datetime, Mapping[str, int]]]  # week start -> incidents per severity
    contain_by_week: list[tuple[datetime, timedelta | None]]  # median time to contain
    severities: list[str] = field(default_factory=list)  # most severe first
    clocks: list[ClockRow] = field(default_factory=list)  # regulatory clocks, by kind


Votes = Mapping[str, tuple[int, int]]  # audience -> (useful, not useful)


def build_report(
    numbers: Sequence[IncidentNumbers],
    functions: Mapping[int, Sequence[str]],
    systems: Mapping[int, Sequence[str]],
    *,
    severities: Sequence[str],
    audiences: Sequence[str],
    votes: Votes,
    drill_votes: Votes,
    follow_ups: FollowUps,
    since: datetime,
    until: datetime,
    clocks: Sequence[ClockRow] = (),
) -> Report:
    real = [n for n in numbers if not n.drill]
    drills = [n for n in numbers if n.drill]
    values = {n.incident_id: _seconds(n) for n in numbers}

    def section(title: str, chosen: list[IncidentNumbers], v: Votes) -> Section:
        return Section(
            title,
            _row("all", chosen, values),
            _grouped(chosen, values, lambda n: [n.severity], order=severities),
            _grouped(chosen, values, lambda n: functions.get(n.incident_id, ())),
            _grouped(chosen, values, lambda n: systems.get(n.incident_id, ())),
            [_audience(a, chosen, v) for a in audiences],
        )

    return Report(
        since,
        until,
        section("Incidents", real, votes),
        section("Drills", drills, drill_votes),
        follow_ups,
        _weeks(real, since, until),
        _contain_by_week(real, since, until),
        list(severities),
        list(clocks),
    )


Values = Mapping[int, Mapping[str, list[float]]]  # incident -> time -> known values, seconds


def _seconds(n: IncidentNumbers) -> dict[str, list[float]]:
    return {key: [v.total_seconds() for v in _values(n, key) if v is not None] for key, _ in TIMES}


def _row(group: str, chosen: Sequence[IncidentNumbers], values: Values) -> GroupRow:
    rows = [values[n.incident_id] for n in chosen]
    times = {key: summarise_seconds([v for r in rows for v in r[key]]) for key, _ in TIMES}
    return GroupRow(group, len(chosen), sum(n.reopened for n in chosen), times)


def _grouped(
    chosen: Sequence[IncidentNumbers],
    values: Values,
    keys: Callable[[IncidentNumbers], Sequence[str]],
    order: Sequence[str] = (),
) -> list[GroupRow]:
    groups: dict[str, list[IncidentNumbers]] = defaultdict(list)
    for n in chosen:
        for key in keys(n):
            groups[key].append(n)
    ranked = {k: i for i, k in enumerate(order)}
    names = sorted(groups, key=lambda k: (ranked.get(k, len(ranked)), k))
    return [_row(name, groups[name], values) for name in names]


def _audience(key: str, chosen: Sequence[IncidentNumbers], votes: Votes) -> AudienceRow:
    mine = [n.audiences[key] for n in chosen if key in n.audiences]
    useful, not_useful = votes.get(key, (0, 0))
    return AudienceRow(
        key,
        len(mine),
        sum(a.updates for a in mine),
        sum(a.on_schedule or 0 for a in mine),
        sum(a.scheduled for a in mine),
        summarise([a.longest_silence for a in mine]),
        useful,
        not_useful,
    )


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the moment's week (in the moment's own time zone)."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _week_starts(since: datetime, until: datetime) -> list[datetime]:
    weeks, week = [], week_start(since)
    while week <= until:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks


def _weeks(
    chosen: Sequence[IncidentNumbers],
    since: datetime,
    until: datetime,
) -> list[tuple[datetime, Mapping[str, int]]]:
    counts: dict[datetime, Counter[str]] = defaultdict(Counter)
    for n in chosen:
        counts[week_start(n.declared_at)][n.severity] += 1
    return [(w, dict(counts.get(w, Counter()))) for w in _week_starts(since, until)]


def _contain_by_week(
    chosen: Sequence[IncidentNumbers],
    since: datetime,
    until: datetime,
) -> list[tuple[datetime, timedelta | None]]:
    times: dict[datetime, list[timedelta | None]] = defaultdict(list)
    for n in chosen:
        times[week_start(n.declared_at)].append(n.time_to_contain)
    return [(w, summarise(times.get(w, [])).median) for w in _week_starts(since, until)]


@dataclass(frozen=True)
class Headlines:
    """The few numbers App Home shows for the last 90 days (drills left out)."""

    incidents: int
    drills: int
    contain: Summary
    resolve: Summary
    on_schedule: int
    scheduled: int

    @property
    def share_on_schedule(self) -> float | None:
        return self.on_schedule / self.scheduled if self.scheduled else None


def headlines(numbers: Sequence[IncidentNumbers]) -> Headlines:
    real = [n for n in numbers if not n.drill]
    audiences = [a for n in real for a in n.audiences.values()]
    return Headlines(
        incidents=len(real),
        drills=len(numbers) - len(real),
        contain=summarise([n.time_to_contain for n in real]),
        resolve=summarise([n.time_to_resolve for n in real]),
        on_schedule=sum(a.on_schedule or 0 for a in audiences),
        scheduled=sum(a.scheduled for a in audiences),
    )
