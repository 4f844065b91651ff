"""A reminder to the admins when no drill has run for 90 days: drills "run at least
quarterly", and the quarter slips by unnoticed without one. Once per 90 days at most, across
replicas (a JobRun row, locked while it runs)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from app.domain.drills import REMIND_AFTER
from app.domain.durations import humanize
from app.persistence.tables import DrillRun, JobRun
from app.services.context import ServiceContext

JOB = "drill_reminder"


def next_wake(ctx: ServiceContext) -> datetime | None:
    """When the reminder is next considered (now, the first time: to start the count)."""
    with ctx.db.read() as session:
        job = session.get(JobRun, JOB)
    return job.next_run_at if job is not None else ctx.clock.now()


def run_due(ctx: ServiceContext) -> bool:
    """True when the admins were reminded."""
    due = next_wake(ctx)
    if due is not None and due > ctx.clock.now():
        return False  # the common case, read without taking a lock
    with ctx.unit() as unit:
        job = _claim(unit.session, unit.now)
        if job is None:
            return False
        last = unit.session.exec(select(func.max(DrillRun.started_at))).one()
        since = last or job.last_run_at
        if since is not None and unit.now < since + REMIND_AFTER:
            job.next_run_at = since + REMIND_AFTER  # a drill ran (or we reminded) lately
            unit.session.add(job)
            return False
        job.last_run_at, job.next_run_at = unit.now, unit.now + REMIND_AFTER
        unit.session.add(job)
        text = _reminder(ctx, unit.now, last)
        for admin in sorted(ctx.admins):
            unit.post_text(None, text, channel=admin)
        return bool(ctx.admins)


def _claim(session: Session, now: datetime) -> JobRun | None:
    """The job's row, locked, when due; None when not due or another replica has it. The
    first time it is created due in 90 days: a new installation is not reminded at once."""
    query = select(JobRun).where(col(JobRun.name) == JOB).with_for_update(skip_locked=True)
    job = session.execute(query).scalars().first()
    if job is None:
        if session.get(JobRun, JOB) is not None:
            return None  # locked by another replica
        session.add(JobRun(name=JOB, next_run_at=now + REMIND_AFTER, last_run_at=now))
        session.flush()
        return None
    return job if job.next_run_at <= now else None


def _reminder(ctx: ServiceContext, now: datetime, last: datetime | None) -> str:
    when = f"The last one ran {humanize(now - last)} ago." if last else "None has run yet."
    names = ", ".join(f"`{name}`" for name in sorted(ctx.drills)) or "none installed"
    return (
        f":man-running: No incident drill has run for 90 days. {when} Drills keep the muscle "
        "memory for the night it counts: start one with `/incident drill <scenario>` "
        f"(scenarios: {names}). Nothing in a drill reaches real audiences."
    )
