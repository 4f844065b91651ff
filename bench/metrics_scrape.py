"""What one GET /metrics costs when the database is big: the shared gauges are read from it at
every scrape (one grouped query over the outbox, one over incidents).

The database holds what 30 days of a busy Warroom leave (delivered outbox rows are pruned after
30 days): SENT delivered rows, PENDING waiting rows, DEAD given-up rows, INCIDENTS incidents of
which a tenth are open. The script times `HealthMetrics.exposition` (the scrape without HTTP),
many times, on SQLite and on PostgreSQL, and prints the median and p99.

No target is set by the issue; Prometheus's default scrape timeout is 10 s, and a scrape
should stay well inside one scheduler tick (~1 s), since both read the same tables.

Run from the repository root:  python -m bench.metrics_scrape [--scrapes 200] [--only sqlite]
PostgreSQL: a temporary database on 127.0.0.1:5432 (WARROOM_BENCH_POSTGRES_URL to change the
server), dropped on the way out.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, make_url, text

from app.config import WarroomConfig
from app.health_metrics import HealthMetrics
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import Incident, OutboxMessage
from app.services.context import ServiceContext
from bench._common import percentile
from tests.harness import FakeClock

SENT, PENDING, DEAD, INCIDENTS = 200_000, 2_000, 200, 5_000
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OPS = ("post", "update", "refresh", "invite", "refresh_home")


def fill(engine: Engine) -> None:
    incidents = [
        {
            "title": f"Drift on feature {n}",
            "severity": ("sev1", "sev2", "sev3", "sev4")[n % 4],
            "status": "investigating" if n % 10 == 0 else "resolved",
            "declared_by": "U0ALICE01",
            "declared_at": NOW - timedelta(minutes=n),
            "updated_at": NOW,
        }
        for n in range(INCIDENTS)
    ]
    rows = []
    for n in range(SENT + PENDING + DEAD):
        status = "sent" if n < SENT else "pending" if n < SENT + PENDING else "dead"
        leased = status == "pending" and n % 7 == 0
        rows.append(
            {
                "incident_id": n % INCIDENTS + 1,
                "op": OPS[n % len(OPS)],
                "payload": {},
                "result": {},
                "progress": {},
                "status": status,
                "not_before": NOW - timedelta(seconds=n % 86_400),
                "created_at": NOW - timedelta(seconds=n % 86_400),
                "sent_at": NOW if status != "pending" else None,
                "lease_owner": "bench" if leased else None,
                "lease_until": NOW + timedelta(minutes=2) if leased else None,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(Incident), incidents)
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(OutboxMessage), rows[start : start + 20_000])
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))


def measure(url: str, scrapes: int) -> list[float]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        fill(engine)
        ctx = ServiceContext(Database(engine), WarroomConfig(), FakeClock(NOW))
        metrics = HealthMetrics(ctx)
        body, _ = metrics.exposition(None)
        assert b'warroom_outbox_rows{kind="post",state="dead"}' in body
        took = []
        for _ in range(scrapes):
            started = time.perf_counter()
            metrics.exposition(None)
            took.append(time.perf_counter() - started)
        return took
    finally:
        engine.dispose()


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    import psycopg

    server = make_url(os.environ.get("WARROOM_BENCH_POSTGRES_URL", DEFAULT_SERVER))
    name = f"warroom_bench_{uuid.uuid4().hex[:8]}"
    params = server.translate_connect_args(username="user", database="dbname")
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(
        f"GET /metrics without HTTP: {SENT:,} delivered + {PENDING:,} pending + {DEAD} dead "
        f"outbox rows, {INCIDENTS:,} incidents ({INCIDENTS // 10} open); {args.scrapes} scrapes"
    )
    for name, url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
        if args.only and args.only != name:
            continue
        with url() as database:
            took = measure(database, args.scrapes)
        median, p99 = (percentile([t * 1000 for t in took], q) for q in (50, 99))
        print(f"  {name:<10} median {median:6.2f} ms   p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
