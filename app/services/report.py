"""`warroom report`: the numbers of every incident declared in a period, summed up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from app.domain.metrics import IncidentNumbers
from app.domain.report import FollowUps, Report, Votes, build_report
from app.persistence.tables import Incident, UpdateVote
from app.services import action_items, clock_report, numbers_cache
from app.services.context import ServiceContext
from app.services.metrics import has_table, period_numbers, systems_of

# The post-mortem part's table; until it exists the report says "not tracked yet".
POSTMORTEM_TABLE = "postmortems"


def period_report(ctx: ServiceContext, period: timedelta) -> Report:
    until = ctx.clock.now()
    since = until - period
    with ctx.db.read() as session:
        counted = period_numbers(ctx, session, since)
        numbers = counted.numbers
        ids = select(Incident.id).where(col(Incident.declared_at) >= since)
        systems = systems_of(session, ids)
        functions = _functions(ctx, systems)
        votes, drill_votes = _votes(session, since)
        follow_ups = _follow_ups(session, numbers, since, until)
        clocks = clock_report.clock_rows(session, since, until)  # one query, all incidents
    numbers_cache.keep(ctx.db, counted.fresh, until)  # the next report reads them back
    return build_report(
        numbers,
        functions,
        systems,
        severities=ctx.severities.keys,
        audiences=ctx.audiences.keys,
        votes=votes,
        drill_votes=drill_votes,
        follow_ups=follow_ups,
        since=since,
        until=until,
        clocks=clocks,
    )


def _functions(ctx: ServiceContext, systems: dict[int, list[str]]) -> dict[int, list[str]]:
    """The business functions each incident hurt; worked out once per set of systems named
    (a year has thousands of incidents but few distinct sets)."""
    radius: dict[tuple[str, ...], list[str]] = {}
    found = {}
    for incident, named in systems.items():
        key = tuple(named)
        if key not in radius:
            radius[key] = [f.name for f in ctx.catalog.blast_radius(named).functions]
        found[incident] = radius[key]
    return found


def _votes(session: Session, since: datetime) -> tuple[Votes, Votes]:
    """ "Was this useful?" per audience: (useful, not useful), incidents and drills apart."""
    rows = session.execute(
        wide_select(
            col(UpdateVote.audience), col(UpdateVote.useful), col(Incident.drill), func.count()
        )
        .join(Incident, col(Incident.id) == col(UpdateVote.incident_id))
        .where(col(Incident.declared_at) >= since)
        .group_by(col(UpdateVote.audience), col(UpdateVote.useful), col(Incident.drill))
    )
    real: dict[str, list[int]] = {}
    drills: dict[str, list[int]] = {}
    for audience, useful, drill, count in rows:
        tally = (drills if drill else real).setdefault(audience, [0, 0])
        tally[0 if useful else 1] += count
    return (
        {k: (v[0], v[1]) for k, v in real.items()},
        {k: (v[0], v[1]) for k, v in drills.items()},
    )


def _follow_ups(
    session: Session, numbers: Sequence[IncidentNumbers], since: datetime, now: datetime
) -> FollowUps:
    """Post-mortems from the per-incident numbers; action items opened, done and overdue
    (real incidents only: drills are reported apart)."""
    real = [n for n in numbers if not n.drill]
    postmortems: dict[str, int | None] = {"due": None, "on_time": None}
    if has_table(session, POSTMORTEM_TABLE):
        known = [n.postmortem_on_time for n in real if n.postmortem_on_time is not None]
        postmortems = {"due": len(known), "on_time": sum(known)}
    items = action_items.counts(session, since, now)
    return FollowUps(
        postmortems_due=postmortems["due"],
        postmortems_on_time=postmortems["on_time"],
        actions_opened=items.opened,
        actions_done=items.done,
        actions_overdue=items.overdue,
    )
