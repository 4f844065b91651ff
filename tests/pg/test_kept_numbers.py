"""Kept numbers on PostgreSQL: the stamp put together by the server matches across
processes, one replica reads what another kept, and two keeping at once do not collide."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import Session, select

from app.persistence.tables import KeptNumbers
from app.services.context import ServiceContext
from app.services.metrics import incident_numbers
from app.services.report import period_report
from tests.test_report_cli import incident

YEAR = timedelta(days=365)


def seed(ctx: ServiceContext, count: int) -> list[int]:
    with Session(ctx.db.engine) as session:
        ids = [incident(session, "sev2", days_ago=n + 1, contain=30 + n) for n in range(count)]
        session.commit()
    return ids


def test_replicas_share_kept_numbers(contexts: list[ServiceContext]) -> None:
    one, two = contexts
    ids = seed(one, 3)
    first = ids[0]
    with ThreadPoolExecutor(2) as pool:  # both compute and keep the same rows at once
        reports = list(pool.map(lambda ctx: period_report(ctx, YEAR), (one, two)))
    assert [r.incidents.overall.incidents for r in reports] == [3, 3]
    with one.db.transaction() as session:
        rows = session.exec(select(KeptNumbers)).all()
        assert sorted(r.incident_id for r in rows) == sorted(ids)
        row = next(r for r in rows if r.incident_id == first)
        numbers = json.loads(row.numbers)
        numbers["contain"] = 999 * 60_000_000
        row.numbers = json.dumps(numbers)
        session.add(row)
    # The other process reads the kept row: its stamp, made by the server, is the same there.
    assert incident_numbers(two, first).time_to_contain == timedelta(minutes=999)
