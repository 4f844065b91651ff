"""Reading the facts an incident's numbers come from, for one incident or a whole period.

Everything is read in a handful of set-based queries (one per table, over the incidents
selected), never one query per incident: a year of a large organisation is thousands of them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, inspect
from sqlalchemy import select as wide_select  # more columns than sqlmodel's select types
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from app.domain.decisions import DecisionStatus
from app.domain.errors import NotFound
from app.domain.metrics import (
    NOT_RECORDED,
    AppliesTo,
    DecisionFacts,
    IncidentFacts,
    IncidentNumbers,
    Move,
    UpdateFacts,
    parse_move,
)
from app.domain.metrics import incident_numbers as compute
from app.domain.postmortem import on_time
from app.domain.report import Headlines, headlines
from app.persistence.tables import (
    ActionItem,
    AffectedSystem,
    Decision,
    Incident,
    PostmortemRecord,
    StatusMilestone,
    StatusUpdate,
    TimelineEntry,
)
from app.services import numbers_cache
from app.services.context import ServiceContext
from app.services.numbers_cache import Fresh

__all__ = [
    "Counted",
    "IncidentNumbers",
    "has_table",
    "incident_numbers",
    "numbers_since",
    "period_numbers",
]


def incident_numbers(
    ctx: ServiceContext, incident_id: int, session: Session | None = None
) -> IncidentNumbers:
    """One incident's numbers (see app.domain.metrics for what each means)."""
    if session is None:
        with ctx.db.read() as own:
            return incident_numbers(ctx, incident_id, own)
    found = _counted(ctx, session, select(Incident.id).where(Incident.id == incident_id)).numbers
    if not found:
        raise NotFound(f"There is no INC-{incident_id}.")
    return found[0]


def numbers_since(ctx: ServiceContext, session: Session, since: datetime) -> list[IncidentNumbers]:
    """The numbers of every incident (and drill) declared since then, oldest first."""
    return period_numbers(ctx, session, since).numbers


HEADLINE_PERIOD = timedelta(days=90)
HEADLINES_KEPT = timedelta(minutes=10)  # App Home is opened often; the numbers move slowly


def last_90_days(ctx: ServiceContext, session: Session) -> Headlines:
    """App Home's headline numbers, computed at most every ten minutes per process."""
    now = ctx.clock.now()
    kept = ctx.memo.get("headlines")
    if kept is not None and now - kept[0] < HEADLINES_KEPT:
        return kept[1]
    found = headlines(numbers_since(ctx, session, now - HEADLINE_PERIOD))
    ctx.memo["headlines"] = (now, found)
    return found


def systems_of(session: Session, ids: Select[Any]) -> dict[int, list[str]]:
    """Catalog systems named in each incident."""
    rows = session.exec(
        select(AffectedSystem.incident_id, AffectedSystem.system).where(
            col(AffectedSystem.incident_id).in_(ids)
        )
    )
    named: dict[int, list[str]] = defaultdict(list)
    for incident_id, system in rows:
        named[incident_id].append(system)
    return named


def has_table(session: Session, name: str) -> bool:
    """Whether a table exists (parts of the learning loop land separately)."""
    return inspect(session.connection()).has_table(name)


@dataclass(frozen=True)
class Counted:
    """The numbers, oldest declaration first, and those computed afresh that may be kept."""

    numbers: list[IncidentNumbers]
    fresh: list[Fresh]


def period_numbers(ctx: ServiceContext, session: Session, since: datetime) -> Counted:
    """Like `numbers_since`, saying which were computed afresh (see `numbers_cache.keep`)."""
    return _counted(ctx, session, select(Incident.id).where(col(Incident.declared_at) >= since))


def _counted(ctx: ServiceContext, session: Session, ids: Select[Any]) -> Counted:
    """Kept numbers where their stamp still holds; the rest computed from the facts."""
    now = ctx.clock.now()
    stamped = numbers_cache.stamps(session, ids, numbers_cache.configuration_key(ctx))
    follow_up = _follow_ups(session, ids, now)
    found = numbers_cache.decoded(stamped, follow_up)
    missing = {s.incident_id for s in stamped if s.incident_id not in found}
    if missing:
        for n in _computed(ctx, session, _only(ids, sorted(missing))):
            late, open_items = follow_up(n.incident_id)
            found[n.incident_id] = replace(n, postmortem_on_time=late, action_items_open=open_items)
    fresh = [
        Fresh(s.stamp, found[s.incident_id])
        for s in stamped
        if s.resolved and s.incident_id in missing
    ]
    return Counted([found[s.incident_id] for s in stamped if s.incident_id in found], fresh)


def _only(ids: Select[Any], wanted: list[int]) -> Select[Any]:
    """The selection narrowed to `wanted`; past a few hundred, the selection itself (a list of
    thousands of bound parameters costs more than computing a few extra incidents' facts)."""
    return select(Incident.id).where(col(Incident.id).in_(wanted)) if len(wanted) <= 500 else ids


def _computed(ctx: ServiceContext, session: Session, ids: Select[Any]) -> list[IncidentNumbers]:
    now = ctx.clock.now()
    facts = _facts(session, ids)
    audiences = ctx.audiences.keys
    grace = ctx.config.updates_grace

    public, private = _follows(ctx, facts, private=False), _follows(ctx, facts, private=True)
    hidden = _private(session, ids)
    return [
        compute(f, audiences, private if f.incident_id in hidden else public, grace, now)
        for f in facts
    ]


def _follows(ctx: ServiceContext, facts: list[IncidentFacts], *, private: bool) -> AppliesTo:
    """Which audience follows which severity, worked out once (asked for every incident). A
    private incident is owed updates in its own channel only."""
    severities = {f.severity for f in facts} | {
        s for f in facts for m in f.severity_moves for s in (m.before, m.after)
    }
    table = {
        (a.key, s): a.applies(s, private, ctx.severities) for a in ctx.audiences for s in severities
    }
    return lambda audience, severity: table.get((audience, severity), False)


def _private(session: Session, ids: Select[Any]) -> set[int]:
    query = select(Incident.id).where(col(Incident.id).in_(ids), col(Incident.private))
    return {i for i in session.exec(query) if i is not None}


def _facts(session: Session, ids: Select[Any]) -> list[IncidentFacts]:
    incidents = session.execute(
        wide_select(
            col(Incident.id),
            col(Incident.severity),
            col(Incident.status),
            col(Incident.drill),
            col(Incident.declared_at),
            col(Incident.detected_at),
            col(Incident.started_at),
        )
        .where(col(Incident.id).in_(ids))
        .order_by(col(Incident.declared_at), col(Incident.id))
    ).all()
    milestones = _milestones(session, ids)
    statuses, severities = _moves(session, ids)
    decisions = _decisions(session, ids)
    updates = _updates(session, ids)
    return [
        IncidentFacts(
            incident_id=i,
            severity=severity,
            status=status,
            drill=drill,
            declared_at=declared,
            detected_at=detected,
            started_at=started,
            milestones=milestones.get(i, {}),
            status_moves=statuses.get(i, []),
            severity_moves=severities.get(i, []),
            decisions=decisions.get(i, []),
            updates=updates.get(i, []),
        )
        for i, severity, status, drill, declared, detected, started in incidents
        if i is not None
    ]


def _milestones(session: Session, ids: Select[Any]) -> dict[int, dict[str, datetime]]:
    rows = session.exec(
        select(
            StatusMilestone.incident_id, StatusMilestone.status, StatusMilestone.reached_at
        ).where(col(StatusMilestone.incident_id).in_(ids))
    )
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    for incident_id, status, at in rows:
        found[incident_id][status] = at
    return found


def _moves(
    session: Session, ids: Select[Any]
) -> tuple[dict[int, list[Move]], dict[int, list[Move]]]:
    """Status and severity changes, read back from the timeline the lifecycle writes."""
    rows = session.exec(
        select(TimelineEntry.incident_id, TimelineEntry.kind, TimelineEntry.at, TimelineEntry.text)
        .where(col(TimelineEntry.incident_id).in_(ids))
        .where(col(TimelineEntry.kind).in_(("status", "severity")))
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    statuses: dict[int, list[Move]] = defaultdict(list)
    severities: dict[int, list[Move]] = defaultdict(list)
    for incident_id, kind, at, text in rows:
        word, into = ("Status", statuses) if kind == "status" else ("Severity", severities)
        move = parse_move(text, at, word)
        if move is not None:
            into[incident_id].append(move)
    return statuses, severities


def _decisions(session: Session, ids: Select[Any]) -> dict[int, list[DecisionFacts]]:
    rows = session.execute(
        wide_select(
            col(Decision.incident_id),
            col(Decision.number),
            col(Decision.asked_at),
            col(Decision.decided_at),
            col(Decision.status),
        ).where(col(Decision.incident_id).in_(ids))
    )
    found: dict[int, list[DecisionFacts]] = defaultdict(list)
    for incident_id, number, asked, decided, status in rows:
        made = decided if status == DecisionStatus.DECIDED.value else None
        found[incident_id].append(DecisionFacts(number, asked, made))
    return found


def _updates(session: Session, ids: Select[Any]) -> dict[int, list[UpdateFacts]]:
    """The JSON columns are read as text and decoded here: SQLAlchemy's per-value JSON
    processing was a third of a year's report."""
    rows = session.execute(
        wide_select(
            col(StatusUpdate.incident_id),
            col(StatusUpdate.at),
            cast(col(StatusUpdate.audiences), Text),
            cast(col(StatusUpdate.due), Text),
        ).where(col(StatusUpdate.incident_id).in_(ids))
    ).all()
    # One decode for all of them: json.loads per value costs more in its Python wrapper than
    # in the parsing itself.
    decoded = json.loads("[" + ",".join(f"{a},{d}" for _, _, a, d in rows) + "]")
    found: dict[int, list[UpdateFacts]] = defaultdict(list)
    for n, (incident_id, at, _, _) in enumerate(rows):
        audiences, due = decoded[2 * n], decoded[2 * n + 1]
        found[incident_id].append(UpdateFacts(at, _due_times(audiences, due)))
    return found


def _due_times(
    audiences: Iterable[str], due: Mapping[str, Any]
) -> dict[str, datetime | str | None]:
    times: dict[str, datetime | str | None] = {}
    for audience in audiences:
        value = due.get(audience, NOT_RECORDED)
        known = value and value != NOT_RECORDED
        times[audience] = datetime.fromisoformat(value) if known else value
    return times


# --- what the post-mortem and action-item parts add ------------------------------------------


def _follow_ups(
    session: Session, ids: Select[Any], now: datetime
) -> Callable[[int], tuple[bool | None, int]]:
    """Whether each post-mortem was done on time (None: not due yet, or none required), and
    how many of each incident's action items are still open."""
    records = session.exec(
        select(PostmortemRecord).where(col(PostmortemRecord.incident_id).in_(ids))
    )
    late = {r.incident_id: on_time(r.due_at, r.done_at, now) for r in records}
    counted = (
        wide_select(col(ActionItem.incident_id), func.count())
        .where(col(ActionItem.incident_id).in_(ids), col(ActionItem.status) == "open")
        .group_by(col(ActionItem.incident_id))
    )
    open_items: dict[int, int] = {i: n for i, n in session.execute(counted).all()}
    return lambda incident: (late.get(incident), open_items.get(incident, 0))
