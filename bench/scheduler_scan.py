"""The scheduler's cost to find due work per tick, with 100 and with 10,000 active incidents.

Every tick of `app/scheduler.py` asks the database three things: which incidents have an
audience clock due (`cadence.due_incidents`, inside `cadence.run_due`), which outbox rows are
ready (`delivery.claim_ready`), and, before it sleeps, when the next thing falls due
(`Scheduler.next_due()` = min(`delivery.next_due`, `cadence.next_wake`)). This script fills a
database with N active incidents and the rows a real incident leaves behind, then times those
calls, many times, for N = 100 and N = 10,000, on SQLite and on PostgreSQL.

Target: the 10,000 figure within 2x of the 100 figure (an index range scan, not a table scan).

Run from the repository root:  python -m bench.scheduler_scan [--ticks 200] [--only sqlite]
SQLite: a temporary file, migrated with app.persistence.migrate.upgrade. PostgreSQL: a
temporary database `warroom_bench_<hex>` on 127.0.0.1:5432 (WARROOM_BENCH_POSTGRES_URL to
change the server), dropped on the way out.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, event, func, make_url, select, text
from sqlmodel import col

from app.config import WarroomConfig
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import (
    AudienceClock,
    Decision,
    DigestRun,
    Incident,
    OutboxMessage,
    RoleAssignment,
    StatusMilestone,
    StatusUpdate,
    TimelineEntry,
)
from app.scheduler import Scheduler
from app.services import cadence, decisions, delivery, digest
from app.services.context import ServiceContext
from bench._common import OtherLoad, cpu_count, percentile
from tests.harness import FakeClock

SIZES = (100, 10_000)
TARGET_RATIO = 2.0
DUE_NOW = 10  # incidents with a clock due at the measured moment
PENDING_RETRIES = 5  # pending outbox rows waiting out a 429 (not_before in the future)
PENDING_LEASED = 3  # pending outbox rows being delivered by another replica right now
SLOTS = 16  # Scheduler(concurrency=16): what claim_ready is asked for on an idle tick
BACKLOG = 40  # posts queued for one shared channel in the "backlog" case
MAX_TICKS = 2_000
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PEOPLE = ["U0ALICE01", "U0BOBBY01", "U0CAROL01", "U0DANA001", "U0ADMIN01"]
PIECES = (  # in the order the scheduler runs them: _tick, then _sleep's Scheduler.next_due()
    "cadence.due_incidents",
    "decisions.run_due",
    "digest.run_due",
    "claim_ready",
    "delivery.next_due",
    "cadence.next_wake",
    "decisions.next_wake",
    "digest.next_wake",
)


# --- filling a database ------------------------------------------------------------------------


def severity_of(number: int) -> str:
    """20% sev1, 50% sev2, 25% sev3, 5% sev4 (no cadence)."""
    slot = number % 20
    return "sev1" if slot < 4 else "sev2" if slot < 14 else "sev3" if slot < 19 else "sev4"


class Filler:
    """Rows as a real, active incident leaves them: declared, channel made, kickoff pinned,
    announced, commander (and sometimes comms) assigned, a few notes, one automatic update
    round; five audience clocks with their next wake-up spread over the coming 30 minutes
    (an hour for sev3)."""

    def __init__(self, ctx: ServiceContext, count: int, seed: int = 7) -> None:
        self.ctx, self.count = ctx, count
        self.random = random.Random(seed)
        self.rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "incidents",
                "status_milestones",
                "role_assignments",
                "timeline_entries",
                "outbox",
                "audience_clocks",
                "status_updates",
                "decisions",
                "digest_runs",
            )
        }
        self._outbox_id = 0
        self._ids = {
            "role_assignments": 0,
            "timeline_entries": 0,
            "status_updates": 0,
            "decisions": 0,
        }

    def build(self) -> dict[str, list[dict[str, Any]]]:
        due_now = set(self.random.sample(range(1, self.count + 1), DUE_NOW))
        for number in range(1, self.count + 1):
            self._incident(number, due_now=number in due_now)
        self._pending()
        self._digests()
        return self.rows

    def _next(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def _incident(self, number: int, *, due_now: bool) -> None:
        r = self.random
        severity = severity_of(number)
        declared = NOW - timedelta(hours=2) - timedelta(seconds=r.uniform(0, 46 * 3600))
        last_update = NOW - timedelta(seconds=r.uniform(5, 30 * 60))
        commander = r.choice(PEOPLE)
        channel_id = f"C{number:010d}"
        incident = Incident(
            id=number,
            title=f"Fraud model precision dropped on segment {number}",
            severity=severity,
            status="investigating",
            private=False,
            affected="fraud-scorer v42",
            impact="Card payments in the EU are declined more often than usual.",
            declared_by=commander,
            declared_at=declared,
            updated_at=last_update,
            declared_from_channel="C0GENERAL1",
            channel_name=f"inc-{number}-fraud-model-precision",
            channel_id=channel_id,
            kickoff_ts=f"{declared.timestamp():.6f}",
            topic=f"SEV{severity[-1]} · Investigating · Commander <@{commander}>",
            announcement_channel_id="C0INCIDENT",
            announcement_ts=f"{declared.timestamp() + 1:.6f}",
        )
        self.rows["incidents"].append(incident.model_dump())
        self.rows["status_milestones"].append(
            {"incident_id": number, "status": "investigating", "reached_at": declared}
        )
        self._roles(number, commander, declared)
        self._timeline(number, commander, declared, last_update)
        self._outbox(number, channel_id, declared, last_update, severity)
        self._clocks(incident, last_update, due_now=due_now)
        self._decisions(number, commander, declared)

    def _roles(self, number: int, commander: str, declared: datetime) -> None:
        held: list[tuple[str, str, datetime | None]] = [("commander", commander, None)]
        if number % 3 == 0:  # handed over once: the first commander's stint ended
            held.insert(0, ("commander", PEOPLE[(PEOPLE.index(commander) + 1) % 5], declared))
        if number % 2 == 0:
            held.append(("comms", PEOPLE[(PEOPLE.index(commander) + 2) % 5], None))
        for role, user, ended in held:
            self.rows["role_assignments"].append(
                {
                    "id": self._next("role_assignments"),
                    "incident_id": number,
                    "role": role,
                    "user_id": user,
                    "assigned_by": commander,
                    "started_at": declared,
                    "ended_at": None if ended is None else ended + timedelta(minutes=10),
                }
            )

    def _timeline(self, number: int, actor: str, declared: datetime, last: datetime) -> None:
        entries = [
            ("declared", f"Declared: Fraud model precision dropped on segment {number}"),
            ("role", f"<@{actor}> is commander"),
            ("note", "PSI 0.31 on transaction_amount since the 02:00 feature backfill"),
            ("note", "Rolled back fraud-scorer to v41 in eu-west-1"),
            ("update", "Automatic update to Technical, Business"),
        ]
        for n, (kind, words) in enumerate(entries):
            self.rows["timeline_entries"].append(
                {
                    "id": self._next("timeline_entries"),
                    "incident_id": number,
                    "at": declared + (last - declared) * n / len(entries),
                    "actor": actor if kind != "update" else "warroom",
                    "kind": kind,
                    "text": words,
                    "dedupe_key": None,
                    "link": None,
                }
            )

    def _outbox(
        self, number: int, channel_id: str, declared: datetime, last: datetime, severity: str
    ) -> None:
        def add(
            op: str,
            payload: dict[str, Any],
            *,
            at: datetime,
            channel: str | None = None,
            sequence_key: str | None = None,
            depends_on: int | None = None,
            result: dict[str, Any] | None = None,
        ) -> int:
            self._outbox_id += 1
            self.rows["outbox"].append(
                {
                    "id": self._outbox_id,
                    "incident_id": number,
                    "op": op,
                    "channel": channel,
                    "payload": payload,
                    "sequence_key": sequence_key,
                    "depends_on": depends_on,
                    "status": "sent",
                    "attempts": 1,
                    "maybe_sent": False,
                    "not_before": at,
                    "lease_owner": None,
                    "lease_until": None,
                    "created_at": at,
                    "sent_at": at + timedelta(milliseconds=300),
                    "result": result or {"channel": channel_id, "ts": f"{at.timestamp():.6f}"},
                    "last_error": "",
                }
            )
            return self._outbox_id

        create = add(
            "create_channel",
            {},
            at=declared,
            result={"channel": channel_id, "name": f"inc-{number}-fraud-model"},
        )
        add("invite", {"users": [PEOPLE[0]]}, at=declared)
        add(
            "refresh",
            {},
            at=declared,
            sequence_key=f"refresh:{number}",
            result={"topic": "SEV2 · Investigating"},
        )
        add(
            "post",
            {"message": "kickoff", "params": {}, "record_as": "kickoff", "pin": True},
            at=declared,
            sequence_key=f"incident:{number}",
        )
        add(
            "post",
            {"message": "announcement", "params": {}, "record_as": "announcement"},
            at=declared,
            channel="#incidents",
            sequence_key="channel:#incidents",
            depends_on=create,
        )
        add(
            "respond",
            {
                "response_url": f"https://hooks.slack.test/commands/T0/{number}/x",
                "user": PEOPLE[0],
                "message": "declared",
                "params": {},
            },
            at=declared,
        )
        if severity == "sev4":
            return
        words = (
            f":mega: *INC-{number} update* · SEV2 (High) · Investigating\n*Impact:* Card "
            "payments in the EU are declined more often than usual.\n*Next update:* "
            "in 30 minutes"
        )
        add(
            "post",
            {"message": "text", "params": {"text": words, "audience": "technical"}},
            at=last,
            sequence_key=f"incident:{number}",
        )
        if severity in ("sev1", "sev2"):
            add(
                "post",
                {"message": "text", "params": {"text": words, "audience": "business"}},
                at=last,
                channel="#biz-updates",
                sequence_key="channel:#biz-updates",
            )
        self.rows["status_updates"].append(
            {
                "id": self._next("status_updates"),
                "incident_id": number,
                "at": last,
                "author": "warroom",
                "automatic": True,
                "audiences": ["technical", "business"],
                "held_back": [],
                "what_changed": "",
                "impact": "Card payments in the EU are declined more often than usual.",
                "uncertain": "",
                "next_steps": "",
            }
        )

    def _clocks(self, incident: Incident, last_update: datetime, *, due_now: bool) -> None:
        for audience in self.ctx.audiences:
            row = AudienceClock(
                incident_id=incident.id or 0,
                audience=audience.key,
                last_update_at=last_update,
                updates_sent=1,
            )
            cadence.schedule(self.ctx, row, incident)
            if due_now and audience.key == "technical":
                severity = self.ctx.severities.describe(incident.severity)
                assert severity.update_every is not None
                row.last_update_at = NOW - severity.update_every - timedelta(seconds=5)
                cadence.schedule(self.ctx, row, incident)  # wake_at = NOW - 5 s
            self.rows["audience_clocks"].append(row.model_dump())

    def _decisions(self, number: int, commander: str, declared: datetime) -> None:
        """D-1 made; for every other incident a D-2 still pending, due within the hour (its
        reminder is the wake-up; escalation comes later), none due at the measured moment."""
        owner = PEOPLE[(PEOPLE.index(commander) + 1) % 5]
        common = {
            "incident_id": number,
            "options": ["Roll back to v41", "Keep v42 with a threshold", "Disable the model"],
            "owner": owner,
            "asked_by": commander,
            "asked_at": declared + timedelta(minutes=5),
            "outcome": None,
            "decided_by": None,
            "decided_at": None,
            "rationale": "",
            "next_remind_at": None,
            "escalate_at": None,
            "wake_at": None,
            "reminders_sent": 0,
            "message_outbox_id": None,
        }
        self.rows["decisions"].append(
            {
                **common,
                "id": self._next("decisions"),
                "number": 1,
                "question": "Roll back fraud-scorer to v41?",
                "due_at": declared + timedelta(minutes=35),
                "status": "decided",
                "outcome": "Roll back to v41",
                "decided_by": owner,
                "decided_at": declared + timedelta(minutes=20),
                "rationale": "v41 held precision for three months",
            }
        )
        if number % 2:
            return
        due = NOW + timedelta(seconds=self.random.uniform(60, 3600))
        asked = NOW - timedelta(minutes=10)
        self.rows["decisions"].append(
            {
                **common,
                "id": self._next("decisions"),
                "number": 2,
                "question": "Tell card issuers before the next update?",
                "asked_at": asked,
                "due_at": due,
                "status": "pending",
                "next_remind_at": due,
                "escalate_at": due + (due - asked),
                "wake_at": due,
            }
        )

    def _digests(self) -> None:
        """The daily digest ran at 08:00 on each of the last 7 days, today included."""
        for days in range(7):
            day = (NOW - timedelta(days=days)).date()
            ran = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
            self.rows["digest_runs"].append({"day": day.isoformat(), "ran_at": ran, "posted": True})

    def _pending(self) -> None:
        """A few rows still pending: retries waiting out a 429, and deliveries in flight."""
        numbers = self.random.sample(range(1, self.count + 1), PENDING_RETRIES + PENDING_LEASED)
        for n, number in enumerate(numbers):
            retry = n < PENDING_RETRIES
            self._outbox_id += 1
            self.rows["outbox"].append(
                {
                    "id": self._outbox_id,
                    "incident_id": number,
                    "op": "post",
                    "channel": None,
                    "payload": {
                        "message": "text",
                        "params": {"text": "Please add the human side of this update"},
                    },
                    "sequence_key": f"incident:{number}",
                    "depends_on": None,
                    "status": "pending",
                    "attempts": 1,
                    "maybe_sent": False,
                    "not_before": NOW + timedelta(seconds=10 * (n + 1)) if retry else NOW,
                    "lease_owner": None if retry else "replica-b:4242:abcdef",
                    "lease_until": None if retry else NOW + timedelta(seconds=90),
                    "created_at": NOW - timedelta(seconds=2),
                    "sent_at": None,
                    "result": {},
                    "last_error": "ratelimited" if retry else "",
                }
            )


TABLES = {
    "incidents": Incident,
    "status_milestones": StatusMilestone,
    "role_assignments": RoleAssignment,
    "timeline_entries": TimelineEntry,
    "outbox": OutboxMessage,
    "audience_clocks": AudienceClock,
    "status_updates": StatusUpdate,
    "decisions": Decision,
    "digest_runs": DigestRun,
}


def fill(engine: Engine, ctx: ServiceContext, count: int, analyze: bool) -> dict[str, int]:
    rows = Filler(ctx, count).build()
    with engine.begin() as conn:
        for name, model in TABLES.items():
            table = model.__table__  # type: ignore[attr-defined]
            batch = rows[name]
            for start in range(0, len(batch), 5_000):
                conn.execute(table.insert(), batch[start : start + 5_000])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences on
            for name in (
                "incidents",
                "role_assignments",
                "timeline_entries",
                "outbox",
                "status_updates",
                "decisions",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                )
    if engine.dialect.name == "postgresql" and analyze:
        # What autovacuum's analyze does shortly after a bulk load; done now, deterministically
        # (autovacuum may be off on a test server). SQLite gets none: the app never runs it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {name: len(batch) for name, batch in rows.items()}


# --- the databases -------------------------------------------------------------------------------


def _admin_connect(server: URL) -> Any:
    import psycopg
    from psycopg.conninfo import make_conninfo

    params = {**server.translate_connect_args(username="user", database="dbname"), **server.query}
    return psycopg.connect(make_conninfo(**params), autocommit=True, connect_timeout=5)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'warroom.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    from psycopg import sql

    server = make_url(os.environ.get("WARROOM_BENCH_POSTGRES_URL", DEFAULT_SERVER))
    if server.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the benchmark talks to 127.0.0.1 only")
    name = f"warroom_bench_{uuid.uuid4().hex[:12]}"
    with _admin_connect(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connect(server) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))


@dataclass
class Setup:
    count: int
    url: str
    engine: Engine
    ctx: ServiceContext
    rows: dict[str, int]
    fill_seconds: float
    samples: dict[str, list[float]] = field(
        default_factory=lambda: {p: [] for p in (*PIECES, "tick")}
    )


def prepare(url: str, count: int, analyze: bool = True) -> Setup:
    engine = make_engine(url)
    upgrade(engine)
    ctx = ServiceContext(Database(engine), WarroomConfig(), FakeClock(NOW))
    started = time.perf_counter()
    rows = fill(engine, ctx, count, analyze)
    return Setup(count, url, engine, ctx, rows, time.perf_counter() - started)


# --- one tick ----------------------------------------------------------------------------------


def one_tick(s: Setup, owner: str) -> tuple[dict[str, float], tuple[Any, ...]]:
    """The database work of an idle tick, piece by piece, in the scheduler's order: `_tick`
    (each DUE_WORK module's run_due, then claim_ready), then `_sleep`'s Scheduler.next_due().
    For the cadence only its read is run: ten incidents are due, and handling them is work,
    not finding work. Nothing else is due, so decisions.run_due and digest.run_due are their
    finding part alone (today's digest already ran)."""
    ctx, clock = s.ctx, time.perf_counter
    marks = [clock()]
    with ctx.db.read() as session:  # cadence.run_due's read, before it handles each incident
        due = cadence.due_incidents(
            session, ctx.clock.now(), cadence.BATCH, len(ctx.audiences.keys)
        )
    marks.append(clock())
    reminded = decisions.run_due(ctx)
    marks.append(clock())
    digested = digest.run_due(ctx)
    marks.append(clock())
    claimed = delivery.claim_ready(ctx, owner, SLOTS)
    marks.append(clock())
    wakes = []
    for source in (delivery.next_due, cadence.next_wake, decisions.next_wake, digest.next_wake):
        wakes.append(source(ctx))
        marks.append(clock())
    times = {piece: marks[n + 1] - marks[n] for n, piece in enumerate(PIECES)}
    times["tick"] = marks[-1] - marks[0]
    return times, (len(due), reminded, digested, len(claimed), *wakes)


def measure(setups: list[Setup], ticks: int, warmup: int, rounds: int) -> None:
    """Rounds alternate between the sizes, so drift on the machine hits both alike."""
    owner = f"bench:{os.getpid()}"
    for s in setups:
        for _ in range(warmup):
            one_tick(s, owner)
    per_round = max(1, ticks // rounds)
    for r in range(rounds):
        for s in setups if r % 2 == 0 else list(reversed(setups)):
            for _ in range(per_round):
                times, _ = one_tick(s, owner)
                for piece, seconds in times.items():
                    s.samples[piece].append(seconds)


def check_answers(s: Setup) -> str:
    """What the tick found, and that it equals what the running scheduler computes."""
    _, (due, reminded, digested, claimed, *wakes) = one_tick(s, "bench:check")
    next_delivery, next_wake, next_decision, next_digest = wakes

    class _NoGateway:
        async def deliver(self, work: Any) -> dict[str, Any]:
            raise AssertionError("not used")

    scheduler = Scheduler(s.ctx, _NoGateway(), owner="bench:check")
    expected = min(t for t in wakes if t is not None)
    same = scheduler.next_due() == expected

    def after(t: datetime | None) -> str:
        return "-" if t is None else f"{(t - NOW).total_seconds():.1f} s"

    return (
        f"due_incidents → {due} incidents, decisions.run_due → {reminded}, digest.run_due → "
        f"{digested}, claim_ready → {claimed} rows; next: outbox {after(next_delivery)}, "
        f"clock {after(next_wake)}, decision {after(next_decision)}, digest "
        f"{after(next_digest)}; Scheduler.next_due() {'agrees' if same else 'DISAGREES'}"
    )


def add_backlog(s: Setup) -> None:
    """BACKLOG business updates due at once for #biz-updates, one of them being delivered
    (leased): the state of a shared channel during a burst, when Slack allows one post per
    second there. The rows wait in one sequence (posts to one channel keep their order)."""
    with s.engine.begin() as conn:
        first = int(conn.execute(select(func.max(OutboxMessage.id))).scalar_one() or 0) + 1
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        conn.execute(
            table.insert(),
            [
                {
                    "id": first + k,
                    "incident_id": 1 + k % s.count,
                    "op": "post",
                    "channel": "#biz-updates",
                    "payload": {
                        "message": "text",
                        "params": {"text": f"INC-{1 + k % s.count} update", "audience": "business"},
                    },
                    "sequence_key": "channel:#biz-updates",
                    "depends_on": None,
                    "status": "pending",
                    "attempts": 0,
                    "maybe_sent": False,
                    "not_before": NOW - timedelta(seconds=1),
                    "lease_owner": None,
                    "lease_until": None,
                    "created_at": NOW - timedelta(seconds=1),
                    "sent_at": None,
                    "result": {},
                    "last_error": "",
                }
                for k in range(BACKLOG)
            ],
        )
    claimed = delivery.claim_ready(s.ctx, "bench:backlog", SLOTS)  # the first one goes out
    assert [w.payload["params"]["audience"] for w in claimed] == ["business"], claimed
    for piece in s.samples:
        s.samples[piece] = []


def sequence_history(s: Setup, key: str) -> int:
    with s.engine.connect() as conn:
        query = select(func.count()).where(
            col(OutboxMessage.sequence_key) == key, col(OutboxMessage.status) == "sent"
        )
        return int(conn.execute(query).scalar_one())


# --- query plans -------------------------------------------------------------------------------


def tick_plans(s: Setup) -> list[tuple[str, list[str]]]:
    """Run one tick with every statement it executes captured (SQL and driver parameters),
    then EXPLAIN each SELECT: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE) on PostgreSQL
    (in a transaction that is rolled back, so claim_ready's FOR UPDATE locks go with it)."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(s.engine, "before_cursor_execute", capture)
    try:
        one_tick(s, "bench:plans")
    finally:
        event.remove(s.engine, "before_cursor_execute", capture)
    sqlite = s.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF) "
    plans = []
    with s.engine.connect() as conn:
        for statement, parameters in captured:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(prefix + statement, parameters)
                rows = cursor.fetchall()
            finally:
                cursor.close()
            plans.append((statement, _plan_lines(rows) if sqlite else [str(r[0]) for r in rows]))
        conn.rollback()
    return plans


def _plan_lines(rows: Any) -> list[str]:
    """SQLite's (id, parent, notused, detail) rows, indented by depth."""
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node] - 1) + str(detail))
    return lines


def _which(statement: str) -> str:
    flat = " ".join(statement.split())
    if "FROM audience_clocks" in flat and "GROUP BY" in flat:
        return "due work: cadence.due_incidents"
    if "FROM audience_clocks" in flat:
        return "next wake: cadence.next_wake"
    if "LEFT OUTER JOIN" in flat and "FROM outbox" in flat:
        return "outbox ready: delivery._ready_query (claim_ready)"
    if "min(outbox.not_before)" in flat:
        return "next retry: delivery.next_due (1/2)"
    if "min(outbox.lease_until)" in flat:
        return "lapsing lease: delivery.next_due (2/2)"
    if "FROM decisions" in flat and "min(" in flat:
        return "next decision reminder: decisions.next_wake"
    if "FROM decisions" in flat:
        return "due decisions: decisions.run_due"
    if "FROM digest_runs" in flat:
        return "today's digest done? digest.run_due / digest.next_wake"
    return flat[:80]


def print_plans(s: Setup, show_sql: bool) -> None:
    for statement, lines in tick_plans(s):
        print(f"  -- {_which(statement)}")
        if show_sql:
            print("     " + " ".join(statement.split()))
        for line in lines:
            print(f"     {line}")


# --- report ------------------------------------------------------------------------------------


def report(db: str, setups: list[Setup]) -> None:
    small, large = setups[0], setups[-1]
    print(
        f"\n  {'piece (ms)':<20}"
        + "".join(f"{f'N={s.count:,} p50':>15}{'p99':>8}" for s in setups)
        + f"{'ratio p50':>11}{'ratio p99':>11}"
    )
    for piece in (*PIECES, "tick"):
        cells = ""
        for s in setups:
            v = s.samples[piece]
            cells += f"{percentile(v, 50) * 1000:>15.3f}{percentile(v, 99) * 1000:>8.3f}"
        r50 = percentile(large.samples[piece], 50) / percentile(small.samples[piece], 50)
        r99 = percentile(large.samples[piece], 99) / percentile(small.samples[piece], 99)
        label = "whole tick" if piece == "tick" else piece
        print(f"  {label:<20}{cells}{r50:>10.2f}x{r99:>10.2f}x")
    ratio = percentile(large.samples["tick"], 50) / percentile(small.samples["tick"], 50)
    ratio99 = percentile(large.samples["tick"], 99) / percentile(small.samples["tick"], 99)
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"  {db}: whole tick at N={large.count:,} is {ratio:.2f}x (p50) / {ratio99:.2f}x (p99) "
        f"the N={small.count:,} figure; target ≤ {TARGET_RATIO:g}x (p50): {verdict}"
    )


def backlog_case(db: str, setups: list[Setup], args: argparse.Namespace) -> None:
    print(
        f"\n  -- backlog: {BACKLOG} business updates due for #biz-updates, 1 in flight, "
        f"{BACKLOG - 1} waiting their turn --"
    )
    for s in setups:
        add_backlog(s)
        history = sequence_history(s, "channel:#biz-updates")
        claimed = one_tick(s, "bench:check")[1][3]
        print(
            f"  N={s.count:,}: {history:,} earlier posts to #biz-updates (sent); the tick "
            f"claims {claimed} rows (the rest wait behind the one in flight)"
        )
    started = time.perf_counter()
    measure(setups, args.backlog_ticks, min(args.warmup, 5), min(args.rounds, args.backlog_ticks))
    print(
        f"  measured {len(setups[0].samples['tick'])} ticks per size "
        f"({time.perf_counter() - started:.1f} s)"
    )
    report(db + " with a backlog", setups)
    print(f"\n  outbox ready query with the backlog, N={setups[-1].count:,}:")
    for statement, lines in tick_plans(setups[-1]):
        if _which(statement).startswith("outbox ready"):
            for line in lines:
                print(f"     {line}")


def run_database(db: str, url_factory: Callable[[], Any], args: argparse.Namespace) -> None:
    print(f"\n=== {db} ===")
    with url_factory() as base_url:
        setups: list[Setup] = []
        stack: list[Any] = []
        try:
            for count in SIZES:
                if db.startswith("SQLite"):  # a file per size, in one temporary folder
                    url = base_url.replace("warroom.db", f"warroom-{count}.db")
                else:  # a database per size: the second one is made like the first
                    if count == SIZES[0]:
                        url = base_url
                    else:
                        holder = postgres_url()
                        url = holder.__enter__()
                        stack.append(holder)
                setup = prepare(url, count, analyze=not args.no_analyze)
                setups.append(setup)
                total = sum(setup.rows.values())
                print(
                    f"  N={count:,}: filled {total:,} rows in {setup.fill_seconds:.1f} s "
                    + "("
                    + ", ".join(f"{k} {v:,}" for k, v in setup.rows.items())
                    + ")"
                )
            for s in setups:
                print(f"  N={s.count:,} tick finds: {check_answers(s)}")
            started = time.perf_counter()
            measure(setups, args.ticks, args.warmup, args.rounds)
            print(
                f"  measured {len(setups[0].samples['tick'])} ticks per size in {args.rounds} "
                f"alternating rounds after {args.warmup} warm-up ticks "
                f"({time.perf_counter() - started:.1f} s)"
            )
            report(db, setups)
            print(f"\n  query plans at N={setups[-1].count:,}:")
            print_plans(setups[-1], args.sql)
            if args.backlog_ticks:
                backlog_case(db, setups, args)
        finally:
            for s in setups:
                s.engine.dispose()
            for holder in stack:
                holder.__exit__(None, None, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=200, help="measured ticks per size")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured ticks per size")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument(
        "--backlog-ticks",
        type=int,
        default=40,
        help="ticks per size with a shared-channel backlog (0: skip that case)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: skip ANALYZE after the bulk load (plans without statistics)",
    )
    parser.add_argument("--sql", action="store_true", help="print each planned statement")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database only")
    args = parser.parse_args()
    args.ticks = max(10, min(args.ticks, MAX_TICKS))
    args.warmup = max(0, min(args.warmup, MAX_TICKS))
    args.rounds = max(1, min(args.rounds, args.ticks))
    args.backlog_ticks = max(0, min(args.backlog_ticks, MAX_TICKS))
    print(
        f"scheduler scan: the database work of one tick, N = {', '.join(f'{n:,}' for n in SIZES)}"
        f" active incidents ({DUE_NOW} with a clock due, {PENDING_RETRIES} outbox retries "
        f"waiting, {PENDING_LEASED} rows leased elsewhere); {cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    started = time.perf_counter()
    other_load = OtherLoad([])
    if args.only in (None, "sqlite"):
        run_database("SQLite", sqlite_url, args)
    if args.only in (None, "postgres"):
        stats = "no statistics (--no-analyze)" if args.no_analyze else "ANALYZE after loading"
        run_database(f"PostgreSQL, {stats}", postgres_url, args)
    print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    print(other_load.describe() + " (PostgreSQL's own processes count as other here)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
