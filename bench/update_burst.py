"""A burst of due status updates, delivered through a Web API that rate-limits each channel.

FakeSlack enforces Slack's chat.postMessage limit of about one message per second per channel
(`post_rate_per_sec=1.0`, with a burst of `post_burst=4`) and answers HTTP 429 with
Retry-After beyond it. The real app runs in this process (tests.harness.Warroom: uvicorn, its
scheduler, a SQLite file) with an app clock that stands still while incidents are declared,
then jumps past the update interval and from that moment follows real time (so a 429's
Retry-After lasts a real second). Every update then falls due at the same instant, and the
script measures, in real time, until every one of them is posted:

* scenario A, "500 incident channels": 500 sev2 incidents whose only audience is the
  technical one, in each incident's own channel: 500 updates to 500 different channels.
* scenario B, "one shared channel": 40 sev2 incidents whose business audience posts to
  #biz-updates (plus the technical update in each incident channel): 40 updates queue for
  one channel, where Slack allows 4 at once and then one per second.

Lateness of an update = end of its successful chat.postMessage at the fake − the moment the
clock jumped and the scheduler was woken. Duplicates are counted from the outbox ids the app
puts in message metadata. Targets: all delivered, none twice; lateness p50/p99 reported.

Run from the repository root:  python -m bench.update_burst [--incidents 500] [--shared 40]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from app.config import WarroomConfig, parse_config
from app.persistence.tables import AudienceClock, OutboxMessage, StatusUpdate
from app.services.declare import Declaration, declare_incident
from bench._common import NO_RATE_LIMIT, OtherLoad, cpu_count, percentile
from tests.fakes.slack_api import FakeSlack
from tests.fakes.web_dispatch import CallRecord
from tests.harness import Warroom
from tests.manifest import manifest_bot_scopes

POST_BURST = 4  # FakeSlack's defaults: Slack's "about one message per second per channel"
POST_RATE = 1.0
MAX_INCIDENTS = 1_000
MAX_SHARED = 120
DECLARE_BATCH = 50  # declarations between settles (as if declared over a while)
BURST_LIMIT = 90.0  # seconds a scenario's burst may take before the script gives up on it
SETUP_LIMIT = 120.0  # seconds for declaring and settling a scenario's incidents
START = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


class BurstClock:
    """The app's clock: stands still (like the harness's FakeClock) until `run()`, then
    follows real time. `advance`/`set` jump it forward either way."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._base = start
        self._since: float | None = None  # monotonic time the clock started running

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if self._since is None:
            return self._base
        return self._base + timedelta(seconds=time.monotonic() - self._since)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._rebase(self._now() + delta)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._rebase(max(self._now(), moment))

    def run(self) -> None:
        with self._lock:
            self._base = self._now()
            self._since = time.monotonic()

    def _rebase(self, moment: datetime) -> None:
        self._base = moment
        if self._since is not None:
            self._since = time.monotonic()


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    incidents: int
    config: dict[str, Any]
    shared_channel: str | None  # the audience channel the updates share, if any


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    only_technical = {
        "digest": None,
        "audiences": {"business": None, "executive": None, "customer": None, "regulator": None},
    }
    shared = {
        "digest": None,
        "audiences": {
            "business": {"channel": "#biz-updates", "min_severity": "sev2"},
            "executive": None,
            "customer": None,
            "regulator": None,
        },
    }
    made = []
    if args.incidents:
        made.append(
            Scenario(
                "A", f"{args.incidents} incident channels", args.incidents, only_technical, None
            )
        )
    if args.shared:
        made.append(Scenario("B", "one shared channel", args.shared, shared, "biz-updates"))
    return made


def set_post_limit(fake: FakeSlack, burst: int) -> None:
    """FakeSlack takes post_burst when it is built; setting up hundreds of incidents under the
    limit would take minutes (every declaration is announced in #incidents, one per second), so
    the limit is lifted while declaring and restored, at its defaults, for the burst."""
    with fake._lock:  # the fake has no public setter
        fake._state.post_burst = burst


# --- one scenario ------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: Scenario
    setup_seconds: float
    total_seconds: float
    finished: bool
    due_updates: list[dict[str, Any]]  # outbox rows of the round's updates
    other_rows: list[dict[str, Any]]  # other rows the round wrote (narrative requests)
    posts: dict[int, list[CallRecord]]  # outbox id -> successful chat.postMessage calls
    calls: list[CallRecord]
    duplicates: dict[int, int]  # outbox id -> messages carrying it, when more than one
    statuses: Counter[str]
    rounds: list[dict[str, Any]]  # status_updates rows written by the round
    jump: float  # monotonic moment the clock jumped
    written: list[float]  # seconds from the jump to the row's creation (cadence.run_due)
    channel_names: dict[str, str]


async def run_scenario(scenario: Scenario, tmp: Path) -> Outcome:
    fake = FakeSlack(
        scopes=manifest_bot_scopes(), post_burst=POST_BURST, post_rate_per_sec=POST_RATE
    ).start()
    room: Warroom | None = None
    try:
        set_post_limit(fake, NO_RATE_LIMIT)
        config: WarroomConfig = parse_config(scenario.config, source="bench")
        clock = BurstClock(START)
        db_file = tmp / f"warroom-{scenario.key}.db"
        room = Warroom(fake, f"sqlite:///{db_file}", config=config)
        room.clock = clock  # type: ignore[assignment]
        await room.start()
        started = time.monotonic()
        await declare_all(room, scenario.incidents)
        setup_seconds = time.monotonic() - started

        due_at = await asyncio.to_thread(latest_wake, room)
        set_post_limit(fake, POST_BURST)
        fake.reset_calls()
        jump = time.monotonic()
        clock.set(due_at)
        clock.run()
        jumped_at = clock.now()
        room.app.scheduler.wake()
        finished = await wait_until_done(room, jump + BURST_LIMIT)
        total = time.monotonic() - jump
        if finished:  # every delivery's bookkeeping is done before the call log is read
            await room.settle(timeout=15, advance_clock=False)
        return await asyncio.to_thread(
            collect, scenario, room, setup_seconds, total, finished, jump, jumped_at
        )
    finally:
        if room is not None and room.runtime is not None:
            await room.stop()
        fake.stop()


async def declare_all(room: Warroom, count: int) -> None:
    deadline = time.monotonic() + SETUP_LIMIT
    ctx = room.app.ctx
    for first in range(0, count, DECLARE_BATCH):
        for n in range(first, min(first + DECLARE_BATCH, count)):
            declaration = Declaration(
                title=f"Fraud model precision dropped on segment {n + 1}",
                severity="sev2",
                declared_by=room.people.alice,
                impact="Card payments in the EU are declined more often than usual.",
                from_channel=room.general,
                response_url=room.fake.new_response_url(),
            )
            await asyncio.to_thread(declare_incident, ctx, declaration)
        await room.settle(timeout=max(5.0, deadline - time.monotonic()))


def latest_wake(room: Warroom) -> datetime:
    """The latest wake-up of any clock: jumping there makes every update due at once."""
    with room.app.db.read() as session:
        latest = session.execute(select(func.max(AudienceClock.wake_at))).scalar_one()
    assert latest is not None, "no audience clock is waiting"
    return latest


async def wait_until_done(room: Warroom, deadline: float) -> bool:
    """Until no clock is due and no outbox row is pending (seen twice in a row)."""
    quiet = 0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if await asyncio.to_thread(nothing_left, room):
            quiet += 1
            if quiet >= 2:
                return True
        else:
            quiet = 0
    return False


def nothing_left(room: Warroom) -> bool:
    now = room.app.ctx.clock.now()
    with room.app.db.read() as session:
        due = session.execute(
            select(func.count()).where(col(AudienceClock.wake_at) <= now)
        ).scalar_one()
        pending = session.execute(
            select(func.count()).where(col(OutboxMessage.status) == "pending")
        ).scalar_one()
    return due == 0 and pending == 0


def collect(
    scenario: Scenario,
    room: Warroom,
    setup_seconds: float,
    total: float,
    finished: bool,
    jump: float,
    jumped_at: datetime,
) -> Outcome:
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    updates = StatusUpdate.__table__  # type: ignore[attr-defined]
    with room.app.db.read() as session:
        rows = [
            dict(r._mapping)
            for r in session.execute(
                select(outbox).where(outbox.c.created_at >= jumped_at).order_by(outbox.c.id)
            )
        ]
        rounds = [
            dict(r._mapping)
            for r in session.execute(
                select(updates).where(updates.c.at >= jumped_at, updates.c.automatic.is_(True))
            )
        ]
        by_status = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        statuses = Counter({status: n for status, n in session.execute(by_status)})
    due_updates = [r for r in rows if r["payload"].get("params", {}).get("audience")]
    other = [r for r in rows if not r["payload"].get("params", {}).get("audience")]
    calls = room.fake.calls
    posts: dict[int, list[CallRecord]] = {}
    for call in calls:
        if call.method == "chat.postMessage" and call.ok:
            outbox_id = outbox_id_of(call.args.get("metadata"))
            if outbox_id is not None:
                posts.setdefault(outbox_id, []).append(call)
    seen: Counter[int] = Counter()
    for channel in room.fake.channels():
        for message in channel.messages:
            outbox_id = outbox_id_of(message.metadata)
            if outbox_id is not None:
                seen[outbox_id] += 1
    written = [(r["created_at"] - jumped_at).total_seconds() for r in rows]
    names = {c.id: c.name for c in room.fake.channels()}
    return Outcome(
        scenario,
        setup_seconds,
        total,
        finished,
        due_updates,
        other,
        posts,
        calls,
        {k: n for k, n in seen.items() if n > 1},
        statuses,
        rounds,
        jump,
        written,
        names,
    )


def outbox_id_of(metadata: Any) -> int | None:
    if isinstance(metadata, str):
        import json

        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if not isinstance(metadata, dict) or metadata.get("event_type") != "warroom_outbox":
        return None
    value = (metadata.get("event_payload") or {}).get("outbox_id")
    return int(value) if value is not None else None


# --- report ------------------------------------------------------------------------------------


def ideal_lateness(per_channel: Counter[str]) -> list[float]:
    """What the rate limit alone forces: in a channel, the k-th post (from 0) cannot end
    before max(0, k - burst + 1) / rate seconds."""
    out: list[float] = []
    for count in per_channel.values():
        out += [max(0.0, (k - POST_BURST + 1) / POST_RATE) for k in range(count)]
    return out


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return (
        f"p50 {percentile(values, 50):6.2f} s   p99 {percentile(values, 99):6.2f} s   "
        f"max {max(values):6.2f} s"
    )


def report(o: Outcome) -> None:
    s = o.scenario
    print(f"\n=== scenario {s.key}: {s.title} ===")
    audiences = Counter(r["payload"]["params"]["audience"] for r in o.due_updates)
    print(
        f"  {s.incidents} sev2 incidents declared and settled in {o.setup_seconds:.1f} s "
        "(rate limit lifted while declaring)"
    )
    if s.shared_channel:
        print(
            f"  (smaller than A on purpose: at one post per second, {s.incidents} updates in "
            f"#{s.shared_channel} need about {max(0, s.incidents - POST_BURST)} s whatever the app"
            " does)"
        )
    delivered = [r for r in o.due_updates if o.posts.get(r["id"])]
    twice_posted = {i: len(c) for i, c in o.posts.items() if len(c) > 1}
    lateness = [min(c.ended for c in o.posts[r["id"]]) - o.jump for r in delivered]
    print(
        f"  updates due:               {len(o.due_updates)} ("
        + ", ".join(f"{a} {n}" for a, n in audiences.items())
        + ")"
    )
    automatic = [r for r in o.rounds if r["automatic"]]
    covered = sum(len(r["audiences"]) for r in automatic)
    print(
        f"  status_updates written:    {len(automatic)} automatic rounds covering {covered} "
        f"audience updates ({'matches' if covered == len(o.due_updates) else 'DOES NOT MATCH'})"
    )
    print(f"  updates delivered:         {len(delivered)} of {len(o.due_updates)}")
    print(
        f"  duplicates:                {len(o.duplicates)} outbox ids in more than one message"
        f" ({len(twice_posted)} posted by more than one successful call)"
    )
    posts = [c for c in o.calls if c.method == "chat.postMessage"]
    limited = [c for c in posts if c.status == 429]
    other_delivered = sum(1 for r in o.other_rows if o.posts.get(r["id"]))
    print(
        f"  other posts of the round:  {len(o.other_rows)} (the narrative request in each "
        f"incident channel), delivered {other_delivered}"
    )
    print(
        f"  chat.postMessage calls:    {len(posts)}; answered 429 (ratelimited): {len(limited)};"
        f" other errors: {sum(1 for c in posts if not c.ok and c.status != 429)}"
    )
    print(f"  lateness, all updates:     {fmt(lateness)}")
    channel_of = {r["id"]: str(o.posts[r["id"]][0].response.get("channel")) for r in delivered}
    floor = ideal_lateness(Counter(channel_of.values()))
    print(f"    floor set by the limit:  {fmt(floor)}  (4 at once, then 1/s per channel)")
    if s.shared_channel:
        shared = {c for c, name in o.channel_names.items() if name == s.shared_channel}
        for label, inside in ((f"in #{s.shared_channel}", True), ("in own channels", False)):
            group = [r for r in delivered if (channel_of[r["id"]] in shared) == inside]
            late = [min(c.ended for c in o.posts[r["id"]]) - o.jump for r in group]
            ideal = ideal_lateness(Counter(channel_of[r["id"]] for r in group))
            print(f"    {label} ({len(group)}):".ljust(29) + fmt(late))
            print("      floor set by the limit:  " + fmt(ideal))
    print(
        f"  written to the outbox:     {fmt(o.written)}  (cadence.run_due deciding, from the jump)"
    )
    print(
        f"  total time:                {o.total_seconds:.1f} s from the jump until nothing was "
        "due or pending" + ("" if o.finished else f" — GAVE UP after {BURST_LIMIT:.0f} s")
    )
    print(
        "  outbox in the database:    "
        + ", ".join(f"{k} {v}" for k, v in sorted(o.statuses.items()))
    )
    ok = (
        o.finished
        and len(delivered) == len(o.due_updates)
        and not o.duplicates
        and not twice_posted
        and o.statuses.get("pending", 0) == 0
        and o.statuses.get("dead", 0) == 0
        and covered == len(o.due_updates)
    )
    print(f"  all delivered, none twice: {'yes' if ok else 'NO'}")


async def run(args: argparse.Namespace) -> int:
    print(
        f"update burst: FakeSlack chat.postMessage limit {POST_RATE:g}/s per channel, burst "
        f"{POST_BURST}, 429 + Retry-After beyond it; the real app in this process (uvicorn, "
        f"scheduler, SQLite); {cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(
        "  (FakeSlack's server thread shares this process with the app, so its work is in the "
        "figures too)"
    )
    other_load = OtherLoad([])
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        for scenario in scenarios(args):
            outcome = await asyncio.wait_for(
                run_scenario(scenario, Path(tmp)), SETUP_LIMIT + BURST_LIMIT + 60
            )
            report(outcome)
    print()
    print(other_load.describe())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--incidents",
        type=int,
        default=500,
        help=f"scenario A: incidents, one channel each (max {MAX_INCIDENTS}; 0 skips it)",
    )
    parser.add_argument(
        "--shared",
        type=int,
        default=40,
        help=f"scenario B: incidents posting to #biz-updates (max {MAX_SHARED}; 0 skips it)",
    )
    args = parser.parse_args()
    args.incidents = max(0, min(args.incidents, MAX_INCIDENTS))
    args.shared = max(0, min(args.shared, MAX_SHARED))
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
