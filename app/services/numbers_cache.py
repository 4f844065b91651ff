"""Each resolved incident's numbers, kept so that a year's report does not recompute ten
thousand of them from half a million rows.

A kept row is trusted only while its stamp still matches. The stamp sums up every fact the
numbers come from (the incident's own columns; the count and last id of its updates and of its
status and severity moves; its decisions and milestones) and the configuration that judges them
(which audience follows which severity, the grace, the format of the row). Whatever changes a
fact changes the stamp, so a stale row is recomputed: no writer has to remember to invalidate
anything. Open incidents are never kept, as their numbers move with the clock.

What the stamp does not see: a decision's decided time rewritten to another value that is
neither its latest nor changes its status (Warroom never does that; a decision is made once).
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, case, cast, func, literal
from sqlalchemy import select as wide_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select, Subquery
from sqlmodel import Session, col

from app.domain.decisions import DecisionStatus
from app.domain.metrics import AudienceNumbers, IncidentNumbers
from app.domain.status import Status
from app.persistence.engine import Database
from app.persistence.tables import (
    Decision,
    Incident,
    KeptNumbers,
    StatusMilestone,
    StatusUpdate,
    TimelineEntry,
)
from app.services.context import ServiceContext

FORMAT = 1  # bump when IncidentNumbers or its encoding changes: every kept row is then stale


@dataclass(frozen=True)
class Stamped:
    """An incident selected for the numbers, in report order, with the stamp of its facts now
    and the numbers kept for it when they were taken under that same stamp."""

    incident_id: int
    stamp: str
    resolved: bool
    kept: str | None  # the JSON of the kept numbers, when still valid


@dataclass(frozen=True)
class Fresh:
    """Numbers computed now that may be kept (the incident is resolved)."""

    stamp: str
    numbers: IncidentNumbers


def configuration_key(ctx: ServiceContext) -> str:
    """What in the configuration the numbers depend on, as a short digest."""
    severities = ctx.severities.keys
    follows = [
        (a.key, s, private, a.applies(s, private, ctx.severities))
        for a in ctx.audiences
        for s in severities
        for private in (False, True)
    ]
    grace = ctx.config.updates_grace.total_seconds()
    described = repr((FORMAT, ctx.audiences.keys, follows, grace))
    return hashlib.blake2b(described.encode(), digest_size=8).hexdigest()


def stamps(session: Session, ids: Select[Any], config: str) -> list[Stamped]:
    """Every selected incident, oldest declaration first, with its stamp: one query, the
    stamp put together by the database (half a million rows never reach Python)."""
    found = []
    for incident_id, status, stamp, kept_stamp, numbers in session.execute(_stamped(ids)):
        stamp = f"{config}|{stamp}"
        kept = numbers if kept_stamp == stamp else None
        found.append(Stamped(incident_id, stamp, status == Status.RESOLVED.value, kept))
    return found


def decoded(
    stamped: Sequence[Stamped], follow_up: Callable[[int], tuple[bool | None, int]]
) -> dict[int, IncidentNumbers]:
    """The kept numbers still valid, by incident, with their follow-ups (which change
    without the numbers: a post-mortem done, an action item closed)."""
    valid = [s for s in stamped if s.kept is not None and s.resolved]
    # One decode for all of them (json.loads per row costs more than the parsing itself).
    rows = json.loads("[" + ",".join(s.kept or "" for s in valid) + "]")
    return {
        s.incident_id: _decode(d, *follow_up(s.incident_id))
        for s, d in zip(valid, rows, strict=True)
    }


def keep(db: Database, fresh: Iterable[Fresh], now: datetime) -> int:
    """Store numbers computed for resolved incidents (replacing stale rows); how many."""
    values = [
        {
            "incident_id": f.numbers.incident_id,
            "stamp": f.stamp,
            "numbers": json.dumps(_encode(f.numbers)),
            "kept_at": now,
        }
        for f in fresh
    ]
    if not values:
        return 0
    with db.transaction() as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        for start in range(0, len(values), 500):  # SQLite's bound-parameter limit
            insert = dialect.insert(KeptNumbers).values(values[start : start + 500])
            update = {c: insert.excluded[c] for c in ("stamp", "numbers", "kept_at")}
            session.execute(
                insert.on_conflict_do_update(index_elements=["incident_id"], set_=update)
            )
    return len(values)


# --- the stamp, put together by the database ---------------------------------------------------


def _stamped(ids: Select[Any]) -> Select[Any]:
    updates, moves, decisions, milestones = (
        q(ids) for q in (_updates, _moves, _decisions, _milestones)
    )
    incident = col(Incident.id)
    facts = [
        col(Incident.severity),
        col(Incident.status),
        col(Incident.drill),
        col(Incident.private),
        col(Incident.declared_at),
        col(Incident.detected_at),
        col(Incident.started_at),
        *(c for q in (updates, moves, decisions, milestones) for c in list(q.c)[1:]),
    ]
    query = (
        wide_select(
            incident,
            col(Incident.status),
            _joined(facts),
            col(KeptNumbers.stamp),
            col(KeptNumbers.numbers),
        )
        .outerjoin(KeptNumbers, col(KeptNumbers.incident_id) == incident)
        .where(incident.in_(ids))
        .order_by(col(Incident.declared_at), incident)
    )
    for q in (updates, moves, decisions, milestones):
        query = query.outerjoin(q, q.c.incident == incident)
    return typing.cast(Select[Any], query)


def _joined(values: Sequence[Any]) -> ColumnElement[str]:
    """value|value|… as text, a missing value as '-' (`||` on SQLite and PostgreSQL alike)."""
    texts = [func.coalesce(cast(v, Text), literal("-", Text)) for v in values]
    return reduce(lambda a, b: a + literal("|", Text) + b, texts)


def _updates(ids: Select[Any]) -> Subquery:
    incident = col(StatusUpdate.incident_id)
    return (
        wide_select(incident.label("incident"), func.count(), func.max(col(StatusUpdate.id)))
        .where(incident.in_(ids))
        .group_by(incident)
        .subquery()
    )


def _moves(ids: Select[Any]) -> Subquery:
    incident = col(TimelineEntry.incident_id)
    return (
        wide_select(incident.label("incident"), func.count(), func.max(col(TimelineEntry.id)))
        .where(incident.in_(ids), col(TimelineEntry.kind).in_(("status", "severity")))
        .group_by(incident)
        .subquery()
    )


def _decisions(ids: Select[Any]) -> Subquery:
    incident = col(Decision.incident_id)
    decided = case((col(Decision.status) == DecisionStatus.DECIDED.value, 1), else_=0)
    return (
        wide_select(
            incident.label("incident"),
            func.count(),
            func.max(col(Decision.id)),
            func.sum(cast(decided, Integer)),
            func.max(col(Decision.decided_at)),
        )
        .where(incident.in_(ids))
        .group_by(incident)
        .subquery()
    )


def _milestones(ids: Select[Any]) -> Subquery:
    incident = col(StatusMilestone.incident_id)
    return (
        wide_select(
            incident.label("incident"), func.count(), func.max(col(StatusMilestone.reached_at))
        )
        .where(incident.in_(ids))
        .group_by(incident)
        .subquery()
    )


# --- the row's encoding --------------------------------------------------------------------------


def _us(value: timedelta | None) -> int | None:
    return None if value is None else value // timedelta(microseconds=1)


def _td(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(microseconds=value)


def _encode(n: IncidentNumbers) -> dict[str, Any]:
    return {
        "declared_at": n.declared_at.isoformat(),
        "severity": n.severity,
        "drill": n.drill,
        "resolved": n.resolved,
        "reopened": n.reopened,
        "detect": _us(n.time_to_detect),
        "declare": _us(n.time_to_declare),
        "contain": _us(n.time_to_contain),
        "resolve": _us(n.time_to_resolve),
        "decide": {str(k): _us(v) for k, v in n.time_to_decide.items()},
        "audiences": {
            k: [a.updates, a.on_schedule, a.scheduled, _us(a.longest_silence)]
            for k, a in n.audiences.items()
        },
        "id": n.incident_id,
    }


def _decode(d: dict[str, Any], postmortem_on_time: bool | None, open_items: int) -> IncidentNumbers:
    return IncidentNumbers(
        incident_id=d["id"],
        declared_at=datetime.fromisoformat(d["declared_at"]),
        severity=d["severity"],
        drill=d["drill"],
        resolved=d["resolved"],
        reopened=d["reopened"],
        time_to_detect=_td(d["detect"]),
        time_to_declare=_td(d["declare"]),
        time_to_contain=_td(d["contain"]),
        time_to_resolve=_td(d["resolve"]),
        time_to_decide={int(k): timedelta(microseconds=v) for k, v in d["decide"].items()},
        audiences={
            k: AudienceNumbers(updates, on_time, scheduled, _td(silence))
            for k, (updates, on_time, scheduled, silence) in d["audiences"].items()
        },
        postmortem_on_time=postmortem_on_time,
        action_items_open=open_items,
    )
