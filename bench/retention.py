"""Pruning a million old outbox rows without holding up the scheduler.

For SQLite and PostgreSQL: a database migrated to the newest schema is filled with 1,000,000
delivered outbox rows 40 days old (plus recent and pending rows that must survive), then the
retention job runs as the scheduler runs it (one batch per wake-up, woken again GAP later while
old rows remain). Meanwhile a probe thread does what the scheduler does every tick, an outbox
claim (a write transaction), every 20 ms, and times it: how long the scheduler was held up.

    python -m bench.retention                 # both databases, about 2 minutes
    python -m bench.retention --only sqlite --rows 200000

Prints: wall time and rows/s; each batch's transaction time (p50, p99, max); the probe's claim
latency before pruning and during it (p50, p99, max). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, text

from app.clock import SystemClock
from app.config import WarroomConfig
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import JobRun, OutboxMessage
from app.services import delivery, retention
from app.services.context import ServiceContext
from bench._common import ms, percentile
from bench.scheduler_scan import postgres_url, sqlite_url

PROBE_EVERY = 0.02
RECENT, PENDING = 1_000, 100
PAYLOAD = '{"message": "text", "params": {"text": "An automatic update, about this long."}}'
RESULT = '{"channel": "C0000000001", "ts": "1795312800.000100"}'


def fill(engine: Engine, old_rows: int) -> float:
    """Old delivered rows, recent ones, pending ones; returns seconds taken."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    old, recent = now - timedelta(days=40), now - timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incidents (title, severity, status, private, affected, impact, "
                "summary, declared_by, declared_at, updated_at) VALUES ('Bench', 'sev2', "
                "'investigating', false, '', '', '', 'U0BENCH', :now, :now)"
            ),
            {"now": _stamp(engine, now)},
        )
        for count, status, sent in ((old_rows, "sent", old), (RECENT, "sent", recent)):
            conn.execute(text(_bulk_insert(engine, count, status)), {"at": _stamp(engine, sent)})
        conn.execute(text(_bulk_insert(engine, PENDING, "pending")), {"at": None})
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _bulk_insert(engine: Engine, count: int, status: str) -> str:
    columns = (
        "incident_id, op, payload, sequence_key, status, attempts, maybe_sent, not_before, "
        "created_at, sent_at, result, progress, last_error"
    )
    future = "'2099-01-01 00:00:00.000000'"
    values = (
        f"1, 'post', '{PAYLOAD}', 'incident:1', '{status}', 1, false, "
        f"COALESCE(:at, {future}), COALESCE(:at, {future}), :at, '{RESULT}', '{{}}', ''"
    )
    if engine.dialect.name == "postgresql":
        values = values.replace(future, f"TIMESTAMP {future}").replace(
            ":at", "CAST(:at AS TIMESTAMP)"
        )
        return f"INSERT INTO outbox ({columns}) SELECT {values} FROM generate_series(1, {count})"
    return (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
        f"INSERT INTO outbox ({columns}) SELECT {values} FROM n"
    )


def _stamp(engine: Engine, moment: datetime) -> str | datetime:
    """SQLite keeps datetimes as text, in SQLAlchemy's format; PostgreSQL as timestamps."""
    return (
        moment if engine.dialect.name == "postgresql" else moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    )


class Probe:
    """The scheduler's claim, every PROBE_EVERY seconds, timed, until stopped."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            delivery.claim_ready(self.ctx, "bench-probe", 16)
            self.samples.append(time.perf_counter() - started)
            self._stop.wait(PROBE_EVERY)


def prune(ctx: ServiceContext) -> tuple[int, float, list[float]]:
    """Run the job as the scheduler would until nothing old is left: rows, seconds, batches."""
    pruner = retention.Pruner()
    deleted, batches = 0, []
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        count = pruner.run_due(ctx)
        if count:
            batches.append(time.perf_counter() - began)
            deleted += count
        with ctx.db.read() as session:
            job = session.get(JobRun, retention.JOB)
        wait = (job.next_run_at - ctx.clock.now()).total_seconds() if job else 0.0
        if not count and wait > retention.GAP.total_seconds():
            return deleted, time.perf_counter() - started, batches
        time.sleep(max(wait, 0.0))  # the scheduler sleeps until the job's next wake-up


def run(name: str, url_of: Callable[[], AbstractContextManager[str]], rows: int) -> None:
    with url_of() as url:
        engine = make_engine(url)
        upgrade(engine)
        ctx = ServiceContext(Database(engine), WarroomConfig(), SystemClock())
        filled = fill(engine, rows)
        with Probe(ctx) as before:
            time.sleep(2.0)
        with Probe(ctx) as during:
            deleted, seconds, batches = prune(ctx)
        with ctx.db.read() as session:
            left = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        engine.dispose()
    print(f"\n{name}: {rows:,} old rows (filled in {filled:.1f} s)")
    print(
        f"  pruned {deleted:,} in {seconds:.1f} s ({deleted / seconds:,.0f} rows/s), "
        f"{len(batches)} batches; {left:,} rows left (expected {RECENT + PENDING:,})"
    )
    print(f"  batch transaction: {_spread(batches)}")
    print(f"  scheduler claim before: {_spread(before.samples)} ({len(before.samples)} claims)")
    print(f"  scheduler claim during: {_spread(during.samples)} ({len(during.samples)} claims)")


def _spread(samples: list[float]) -> str:
    return (
        f"p50 {ms(percentile(samples, 50))}, p99 {ms(percentile(samples, 99))}, "
        f"max {ms(max(samples) if samples else float('nan'))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="old rows (default 1M)")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database only")
    args = parser.parse_args()
    rows = min(args.rows, 5_000_000)
    if args.only in (None, "sqlite"):
        run("SQLite", sqlite_url, rows)
    if args.only in (None, "postgres"):
        run("PostgreSQL", postgres_url, rows)


if __name__ == "__main__":
    main()
