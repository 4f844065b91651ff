"""Ack latency of `/incident declare` and `/incident roles` over HTTP, beside a bare Bolt app.

Three processes besides this one, all on 127.0.0.1:
  * FakeSlack (bench.fake_slack), no added latency and no rate limit;
  * Warroom as deployed: `python -m app serve --http` (uvicorn + Starlette + Bolt, SQLite file,
    scheduler running), its Web API pointed at the fake;
  * the bare app (bench.bare_app): the same AsyncApp settings, build_asgi() and uvicorn
    configuration, with an `/incident` listener that only acks.
This process is the load generator: signed slash commands over aiohttp (httpx's connection
pool adds a tail of its own at this concurrency, see README.md), CONCURRENCY requests in flight
at a time (closed loop), rounds that rotate the order of the cases. Latency is measured
from just before the request is sent to the full HTTP response, i.e. what Slack waits for.
Between phases it waits until Warroom's outbox is drained, so one case's after-ack work does
not land in another case's measurement. Target: Warroom's p99 within 1.5x of the bare app's.

Run from the repository root:  python -m bench.ack_latency [--requests 600] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench._common import (
    BOT_TOKEN,
    HOST,
    SIGNING_SECRET,
    Child,
    OtherLoad,
    cpu_count,
    free_port,
    median,
    percentile,
    python_module,
    wait_for_file,
    wait_healthy,
)
from tests.fakes import requests as slack_requests

TARGET_RATIO = 1.5
MAX_REQUESTS = 5_000  # per case
MAX_CONCURRENCY = 100
REQUEST_TIMEOUT = 10.0  # seconds
QUIET_TIMEOUT = 60.0  # seconds to wait for Warroom's outbox to drain between phases


@dataclass
class Case:
    name: str
    base_url: str
    text: Callable[[int], str]
    channel: str
    ack_ok: Callable[[int, str], bool]  # (HTTP status, body) -> a proper ack?
    uses_response_url: bool
    server: Child | None = None  # the process serving it, for its CPU time
    latencies: list[float] = field(default_factory=list)
    rounds: list[list[float]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    load_seconds: float = 0.0  # wall time spent sending the measured requests
    cpu_seconds: float | None = 0.0  # server CPU from each phase's start until it was quiet


class Load:
    """Signed slash commands, CONCURRENCY at a time, against one base URL per case."""

    def __init__(self, concurrency: int, response_urls: list[str], user: str, deadline: float):
        self.concurrency = concurrency
        self.response_urls = iter(response_urls)
        self.user = user
        self.deadline = deadline
        self.clients: dict[str, aiohttp.ClientSession] = {}
        self.sequence = 0
        self.cut_short = False

    def client(self, base_url: str) -> aiohttp.ClientSession:
        """One session per server, keeping up to `concurrency` connections alive."""
        if base_url not in self.clients:
            self.clients[base_url] = aiohttp.ClientSession(
                base_url=base_url,
                connector=aiohttp.TCPConnector(limit=self.concurrency),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            )
        return self.clients[base_url]

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()

    def body(self, case: Case) -> bytes:
        self.sequence += 1
        response_url = (
            next(self.response_urls)
            if case.uses_response_url
            else f"http://{HOST}:9/commands/unused"  # the bare app never posts to it
        )
        return slack_requests.slash_command_body(
            case.text(self.sequence),
            user_id=self.user,
            channel_id=case.channel,
            response_url=response_url,
            trigger_id=f"{self.sequence}.{int(time.time())}.bench",
        )

    async def run(self, case: Case, count: int, *, record: bool) -> list[float]:
        """Send `count` requests, `concurrency` in flight; the latencies of good acks."""
        client = self.client(case.base_url)
        remaining = iter(range(count))
        latencies: list[float] = []

        async def worker() -> None:
            for _ in remaining:
                if time.monotonic() > self.deadline:
                    self.cut_short = True
                    return
                body = self.body(case)
                headers = slack_requests.signed_headers(SIGNING_SECRET, body)
                started = time.perf_counter()
                try:
                    async with client.post("/slack/events", data=body, headers=headers) as r:
                        status, text = r.status, await r.text()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    case.failures[type(exc).__name__] += record
                    continue
                elapsed = time.perf_counter() - started
                if case.ack_ok(status, text):
                    latencies.append(elapsed)
                else:
                    case.failures[f"HTTP {status}: {text[:60]}"] += record

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        if record:
            case.latencies.extend(latencies)
            case.rounds.append(latencies)
        return latencies


class WarroomDatabase:
    """Reads Warroom's SQLite file (read-only) to see when its outbox has drained."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        uri = f"file:{self.path}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            return list(conn.execute(sql))

    def pending(self) -> int:
        return int(self._query("SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0])

    def first_channel(self) -> str | None:
        rows = self._query("SELECT channel_id FROM incidents ORDER BY id LIMIT 1")
        return str(rows[0][0]) if rows and rows[0][0] else None

    async def wait_quiet(self, deadline: float) -> float:
        """Seconds until no outbox row was pending on three polls in a row (giving up after
        QUIET_TIMEOUT, or a second after the benchmark's deadline)."""
        started = time.monotonic()
        timeout = max(1.0, min(QUIET_TIMEOUT, deadline - started))
        quiet = 0
        while quiet < 3:
            if time.monotonic() - started > timeout:
                print(f"  (warning: Warroom's outbox still has {self.pending()} pending rows)")
                break
            await asyncio.sleep(0.05)
            quiet = quiet + 1 if self.pending() == 0 else 0
        await asyncio.sleep(0.2)  # replies to response URLs (not in the outbox) finish too
        return time.monotonic() - started


def summarize(latencies: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(latencies, 50) * 1000,
        "p90": percentile(latencies, 90) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": max(latencies, default=float("nan")) * 1000,
        "mean": sum(latencies) / len(latencies) * 1000 if latencies else float("nan"),
    }


def report(cases: list[Case], args: argparse.Namespace, wall: float) -> None:
    bare = cases[0]
    bare_p99 = summarize(bare.latencies)["p99"]
    print()
    print(
        f"{'case':<26} {'acks':>5} {'fail':>4} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'p99/bare':>8} {'req/s':>6} {'CPU ms/req':>10}"
    )
    for case in cases:
        s = summarize(case.latencies)
        ratio = "-" if case is bare else f"{s['p99'] / bare_p99:.2f}x"
        rate = len(case.latencies) / case.load_seconds if case.load_seconds else float("nan")
        cpu = (
            "n/a"
            if case.cpu_seconds is None or not case.latencies
            else f"{case.cpu_seconds / len(case.latencies) * 1000:.1f}"
        )
        print(
            f"{case.name:<26} {len(case.latencies):>5} {sum(case.failures.values()):>4} "
            f"{s['p50']:>7.1f} {s['p90']:>7.1f} {s['p99']:>7.1f} {s['max']:>7.1f} "
            f"{ratio:>8} {rate:>6.0f} {cpu:>10}"
        )
    print(
        "  (req/s: measured acks ÷ time spent sending them; CPU ms/req: the serving process's\n"
        "   CPU time, all threads, from each phase's start until its outbox had drained)"
    )
    print("p99 of each round (ms), in the order the rounds ran:")
    for case in cases:
        per_round = "  ".join(f"{percentile(r, 99) * 1000:6.1f}" for r in case.rounds)
        print(f"  {case.name:<26} {per_round}")
    print()
    bare_rounds = median([percentile(r, 99) for r in bare.rounds])
    for case in cases[1:]:
        p99_ratio = summarize(case.latencies)["p99"] / bare_p99
        verdict = "met" if p99_ratio <= TARGET_RATIO else "MISSED"
        robust = median([percentile(r, 99) for r in case.rounds]) / bare_rounds
        print(
            f"{case.name}: p99 {p99_ratio:.2f}x the bare app's "
            f"(target ≤ {TARGET_RATIO}x: {verdict}); median of per-round p99s: {robust:.2f}x"
        )
    for case in cases:
        for failure, n in case.failures.most_common(5):
            print(f"  {case.name} failure ×{n}: {failure}")
    print(
        f"\n{args.concurrency} requests in flight, {args.rounds} rounds, "
        f"{args.warmup} warm-up requests per case, {wall:.1f} s of wall time"
    )


def warroom_log_problems(log: Path) -> list[str]:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if re.search(r"\b(ERROR|CRITICAL|Traceback)\b", line)]


async def run(args: argparse.Namespace, tmp: Path) -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = args.pin and len(cpus) >= 2
    server_cpus = cpus[:1] if pin else None
    client_cpus = cpus[1:] if pin else None
    if client_cpus:
        os.sched_setaffinity(0, set(client_cpus))
    count = max(1, min(args.requests, MAX_REQUESTS))
    per_round = [count // args.rounds + (r < count % args.rounds) for r in range(args.rounds)]
    print(
        f"ack latency: {count} requests per case, {args.concurrency} in flight, "
        f"{cpu_count() if not pin else len(cpus)} CPUs, Python {sys.version.split()[0]}; "
        + (
            f"servers pinned to CPU {server_cpus}, load generator + FakeSlack to CPU {client_cpus}"
            if pin
            else "no CPU pinning"
        )
    )

    children: list[Child] = []
    try:
        # FakeSlack: enough response URLs for every Warroom request (roles + declare + warm-up).
        info_file = tmp / "fake.json"
        needed = 2 * (count + args.warmup) + 10
        fake = Child(
            "FakeSlack",
            python_module(
                "bench.fake_slack",
                "--info-file",
                str(info_file),
                "--stats-file",
                str(tmp / "fake-stats.json"),
                "--response-urls",
                str(needed),
            ),
            log_path=tmp / "fake.log",
            cpus=client_cpus,
        )
        children.append(fake)
        info = wait_for_file(info_file, fake)

        env = {k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=str(info["api_url"]),
            WARROOM_DATABASE_URL=f"sqlite:///{tmp / 'warroom.db'}",
            WARROOM_CONFIG=str(tmp / "warroom.yaml"),
        )
        (tmp / "warroom.yaml").write_text('announcements_channel: "#incidents"\n')
        warroom_port, bare_port = free_port(), free_port()
        warroom = Child(
            "Warroom",
            python_module("app", "serve", "--http", "--host", HOST, "--port", str(warroom_port)),
            log_path=tmp / "warroom.log",
            env=env,
            cpus=server_cpus,
        )
        children.append(warroom)
        bare_app = Child(
            "bare app",
            python_module("bench.bare_app", "--host", HOST, "--port", str(bare_port)),
            log_path=tmp / "bare.log",
            env=env,
            cpus=server_cpus,
        )
        children.append(bare_app)
        warroom_url, bare_url = f"http://{HOST}:{warroom_port}", f"http://{HOST}:{bare_port}"
        await asyncio.to_thread(wait_healthy, warroom_url, warroom)
        await asyncio.to_thread(wait_healthy, bare_url, bare_app)

        db = WarroomDatabase(tmp / "warroom.db")
        alice = str(info["people"]["alice"])
        load = Load(
            args.concurrency,
            list(info["response_urls"]),
            alice,
            deadline=time.monotonic() + args.time_limit,
        )
        try:
            # The incident whose channel `/incident roles` runs in.
            setup = Case(
                "setup",
                warroom_url,
                lambda n: "declare sev2 Bench fraud model drift (roles run here)",
                str(info["general"]),
                lambda status, text: status == 200,
                uses_response_url=True,
            )
            await load.run(setup, 1, record=False)
            deadline = time.monotonic() + 15
            while (incident_channel := db.first_channel()) is None:
                warroom.check()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Warroom created no channel:\n{warroom.tail()}")
                await asyncio.sleep(0.05)

            cases = [
                Case(
                    "bare app (ack only)",
                    bare_url,
                    lambda n: "roles",
                    str(info["general"]),
                    lambda status, text: status == 200,
                    uses_response_url=False,
                    server=bare_app,
                ),
                Case(
                    "warroom /incident roles",
                    warroom_url,
                    lambda n: "roles",
                    incident_channel,
                    lambda status, text: status == 200,
                    uses_response_url=True,
                    server=warroom,
                ),
                Case(
                    "warroom /incident declare",
                    warroom_url,
                    lambda n: f"declare sev3 Bench model drift {n}",
                    str(info["general"]),
                    lambda status, text: status == 200 and "Declaring" in text,
                    uses_response_url=True,
                    server=warroom,
                ),
            ]
            started = time.monotonic()
            other_load = OtherLoad(children)
            for case in cases:  # warm-up: connections, imports, Bolt's first auth.test
                await load.run(case, args.warmup, record=False)
                await db.wait_quiet(load.deadline)
            for r in range(args.rounds):
                order = cases[r % len(cases) :] + cases[: r % len(cases)]
                for case in order:
                    cpu_before = case.server.cpu_seconds() if case.server else None
                    phase_started = time.monotonic()
                    await load.run(case, per_round[r], record=True)
                    case.load_seconds += time.monotonic() - phase_started
                    drained = await db.wait_quiet(load.deadline)
                    cpu_after = case.server.cpu_seconds() if case.server else None
                    if cpu_before is None or cpu_after is None or case.cpu_seconds is None:
                        case.cpu_seconds = None
                    else:
                        case.cpu_seconds += cpu_after - cpu_before
                    if args.verbose:
                        print(
                            f"  round {r + 1}: {case.name}: {per_round[r]} requests, "
                            f"outbox drained {drained:.1f} s after the last ack"
                        )
            wall = time.monotonic() - started
            noise = other_load.describe()
        finally:
            await load.close()
        if load.cut_short:
            print(f"(time limit of {args.time_limit:.0f} s reached: fewer requests than asked)")
        report(cases, args, wall)
        print(noise)
    finally:
        for child in reversed(children):
            child.stop()

    stats_file = tmp / "fake-stats.json"
    if stats_file.exists():
        stats = json.loads(stats_file.read_text())
        print(
            f"FakeSlack answered {stats['calls']} Web API calls "
            f"(HTTP status {stats['by_status']}, errors {stats['errors'] or 'none'}) and "
            f"{stats['response_url_posts']} response_url posts"
        )
    problems = warroom_log_problems(tmp / "warroom.log")
    if problems:
        print(f"Warroom logged {len(problems)} error lines, e.g.:")
        for line in problems[:5]:
            print(f"  {line[:200]}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="measured requests per case")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4, help="rounds rotating the case order")
    # 200: enough to grow the thread pool and compile every query the paths use (first-use
    # costs of a fresh process, which otherwise land in the first measured round).
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per case")
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="don't pin the servers and the load generator to different CPUs",
    )
    parser.add_argument(
        "--time-limit", type=float, default=90.0, help="seconds for warm-up and rounds, at most"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    args.concurrency = max(1, min(args.concurrency, MAX_CONCURRENCY))
    args.rounds = max(1, min(args.rounds, 20))
    args.warmup = max(0, min(args.warmup, 500))
    # SIGTERM unwinds like Ctrl-C, so the child processes are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
