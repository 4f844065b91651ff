"""Acks and follow-ups while clients that never came from Slack are connected.

Two processes besides this one, on 127.0.0.1: FakeSlack (bench.fake_slack) and Warroom as
deployed (`python -m app serve --http`, SQLite file, scheduler running). This process sends
signed `/incident` commands (aiohttp, as bench.ack_latency) and runs the attackers
(bench.attackers): an idle partial POST (headers and a few bytes of body, then nothing) and a
40 MB unsigned POST (the next one 50 ms after each answer).

It measures, in this order:
  1. memory: Warroom's RSS before and after one 40 MB unsigned POST, and its peak RSS;
  2. follow-ups: 15 declarations at once, seconds until every war room is open (channel
     created, nothing left in the outbox), without and with an idle partial POST open;
  3. acks: `/incident roles` in an incident's channel, 20 in flight, p50/p99 without and with
     both attackers connected, in rounds that alternate the order. Target: the disturbed p99
     within 1.5x of the undisturbed p99.

Run from the repository root:  python -m bench.ack_under_attack [--requests 600] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench._common import (
    BOT_TOKEN,
    HOST,
    SIGNING_SECRET,
    Child,
    OtherLoad,
    free_port,
    median,
    percentile,
    python_module,
    wait_for_file,
    wait_healthy,
)
from bench.ack_latency import Case, Load, WarroomDatabase, summarize, warroom_log_problems
from bench.attackers import BigPosts, IdlePartialPosts, big_unsigned_post, rss_mb

TARGET_RATIO = 1.5
DECLARATIONS = 15  # the figure
FOLLOW_UP_TIMEOUT = 60.0  # seconds for one batch of declarations to be fully open


class Attack:
    """Attackers running for as long as the `with` block lasts."""

    def __init__(self, port: int, *, big: bool) -> None:
        self.idle = IdlePartialPosts(port)
        self.big = BigPosts(port) if big else None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Attack:
        self._tasks = [asyncio.create_task(self.idle.run(self._stop))]
        if self.big:
            self._tasks.append(asyncio.create_task(self.big.run(self._stop)))
        await asyncio.sleep(0.3)  # connected and sending before the measured requests start
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def measure_memory(port: int, warroom: Child) -> str:
    rss_before, peak_before = rss_mb(warroom.pid)
    status, seconds = await big_unsigned_post(port)
    await asyncio.sleep(1.0)  # let the server finish whatever the request started
    rss_after, peak_after = rss_mb(warroom.pid)
    return (
        f"one 40 MB unsigned POST: answered {status} after {seconds * 1000:.0f} ms; "
        f"Warroom RSS {rss_before:.1f} -> {rss_after:.1f} MB ({rss_after - rss_before:+.1f}), "
        f"peak RSS {peak_before:.1f} -> {peak_after:.1f} MB ({peak_after - peak_before:+.1f})"
    )


class Declarations:
    """Batches of declarations, timed until every war room is open."""

    def __init__(self, load: Load, db: WarroomDatabase, url: str, channel: str) -> None:
        self.load, self.db, self.declared = load, db, 1  # the set-up incident
        self.case = Case(
            "declare", url, lambda n: f"declare sev3 Under attack {n}", channel, _ok, True
        )

    async def seconds_until_open(self) -> float:
        started = time.monotonic()
        await self.load.run(self.case, DECLARATIONS, record=False)
        self.declared += DECLARATIONS
        while not self._all_open():
            if time.monotonic() - started > FOLLOW_UP_TIMEOUT:
                return float("inf")
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    def _all_open(self) -> bool:
        rows = self.db._query("SELECT count(*) FROM incidents WHERE channel_id IS NOT NULL")
        return int(rows[0][0]) >= self.declared and self.db.pending() == 0


def _ok(status: int, text: str) -> bool:
    return status == 200


async def follow_ups(declarations: Declarations, port: int, rounds: int) -> list[str]:
    lines = []
    for r in range(rounds):
        quiet = await declarations.seconds_until_open()
        async with Attack(port, big=False) as attack:
            attacked = await declarations.seconds_until_open()
        lines.append(
            f"  round {r + 1}: undisturbed {quiet:.2f} s, with an idle partial POST open "
            f"{attacked:.2f} s (its answers: {dict(attack.idle.answers)})"
        )
    return lines


async def ack_rounds(
    load: Load, roles: Callable[[str], Case], port: int, args: argparse.Namespace
) -> tuple[Case, Case, Counter[str], Counter[str]]:
    quiet, attacked = roles("undisturbed"), roles("with both attackers")
    big, idle = Counter[str](), Counter[str]()
    for r in range(args.rounds):
        for case in (quiet, attacked) if r % 2 == 0 else (attacked, quiet):
            if case is quiet:
                await load.run(case, args.requests, record=True)
            else:
                async with Attack(port, big=True) as attack:
                    await load.run(case, args.requests, record=True)
                big.update(attack.big.answers if attack.big else {})
                idle.update(attack.idle.answers)
            await asyncio.sleep(0.5)  # this phase's follow-ups, out of the next one's figures
    return quiet, attacked, big, idle


def report_acks(quiet: Case, attacked: Case, big: Counter[str], idle: Counter[str]) -> None:
    columns = f"{'acks':>5} {'fail':>4} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(f"\n{'/incident roles':<22} {columns}")
    for case in (quiet, attacked):
        s = summarize(case.latencies)
        failed = sum(case.failures.values())
        print(
            f"{case.name:<22} {len(case.latencies):>5} {failed:>4} "
            f"{s['p50']:>7.1f} {s['p99']:>7.1f} {s['max']:>7.1f}"
        )
        for failure, n in case.failures.most_common(3):
            print(f"    failure ×{n}: {failure}")
    print("p99 of each round (ms), in the order the rounds ran:")
    for case in (quiet, attacked):
        print(
            f"  {case.name:<22} "
            + "  ".join(f"{percentile(r, 99) * 1000:6.1f}" for r in case.rounds)
        )
    ratio = summarize(attacked.latencies)["p99"] / summarize(quiet.latencies)["p99"]
    per_round = median(
        [
            percentile(a, 99) / percentile(q, 99)
            for a, q in zip(attacked.rounds, quiet.rounds, strict=True)
        ]
    )
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"disturbed p99 / undisturbed p99: {ratio:.2f}x (target ≤ {TARGET_RATIO}x: {verdict}); "
        f"median of per-round ratios {per_round:.2f}x"
    )
    print(f"40 MB POSTs answered during the disturbed phases: {dict(big)}")
    print(f"idle partial POSTs during the disturbed phases: {dict(idle)}")


async def run(args: argparse.Namespace, tmp: Path) -> int:
    cpus = sorted(os.sched_getaffinity(0))
    pin = len(cpus) >= 2
    server_cpus, client_cpus = (cpus[:1], cpus[1:]) if pin else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, set(client_cpus))
    print(
        f"ack under attack: {args.requests} /incident roles per phase, 20 in flight, "
        f"{args.rounds} rounds; Python {sys.version.split()[0]}; "
        + (
            f"Warroom on CPU {server_cpus}, this process + FakeSlack on {client_cpus}"
            if pin
            else "no pinning"
        )
    )
    children: list[Child] = []
    try:
        info_file = tmp / "fake.json"
        needed = 2 * args.rounds * args.requests + args.warmup + 2 * args.rounds * DECLARATIONS + 10
        fake = Child(
            "FakeSlack",
            python_module(
                "bench.fake_slack", "--info-file", str(info_file), "--response-urls", str(needed)
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
        port = free_port()
        warroom = Child(
            "Warroom",
            python_module("app", "serve", "--http", "--host", HOST, "--port", str(port)),
            log_path=tmp / "warroom.log",
            env=env,
            cpus=server_cpus,
        )
        children.append(warroom)
        url = f"http://{HOST}:{port}"
        await asyncio.to_thread(wait_healthy, url, warroom)
        await measure(args, info, url, port, warroom, tmp, children)
    finally:
        for child in reversed(children):
            child.stop()
    problems = warroom_log_problems(tmp / "warroom.log")
    print(
        f"Warroom logged {len(problems)} error or traceback lines" + (", e.g.:" if problems else "")
    )
    for line in problems[:3]:
        print(f"  {line[:160]}")
    return 0


async def measure(
    args: argparse.Namespace,
    info: dict[str, object],
    url: str,
    port: int,
    warroom: Child,
    tmp: Path,
    children: list[Child],
) -> None:
    db = WarroomDatabase(tmp / "warroom.db")
    people = info["people"]
    assert isinstance(people, dict)
    urls = info["response_urls"]
    assert isinstance(urls, list)
    load = Load(20, urls, str(people["alice"]), deadline=time.monotonic() + args.time_limit)
    general = str(info["general"])
    try:
        setup = Case(
            "setup", url, lambda n: "declare sev2 Bench: roles run here", general, _ok, True
        )
        await load.run(setup, 1, record=False)
        while (channel := db.first_channel()) is None:
            warroom.check()
            await asyncio.sleep(0.05)

        def roles(name: str) -> Case:
            return Case(name, url, lambda n: "roles", channel, _ok, True, server=warroom)

        await load.run(roles("warm-up"), args.warmup, record=False)
        other = OtherLoad(children)
        print(await measure_memory(port, warroom))
        print(f"follow-ups: {DECLARATIONS} declarations at once, until every war room is open:")
        for line in await follow_ups(Declarations(load, db, url, general), port, 2):
            print(line)
        report_acks(*await ack_rounds(load, roles, port, args))
        print(other.describe())
        if load.cut_short:
            print(f"(time limit of {args.time_limit:.0f} s reached: fewer requests than asked)")
    finally:
        await load.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="roles per phase")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=240.0, help="seconds, at most")
    args = parser.parse_args()
    args.requests = max(20, min(args.requests, 2000))
    args.rounds = max(1, min(args.rounds, 10))
    args.warmup = max(0, min(args.warmup, 500))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
