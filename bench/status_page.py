"""The public status page under load: GET /status.json at 200 requests per second, and what it
does to the ack latency of `/incident roles`.

Two processes besides this one, on 127.0.0.1: FakeSlack (bench.fake_slack) and Warroom as
deployed (`python -m app serve --http`, SQLite file, scheduler running). Setup, through signed
requests as Slack sends them: a SEV1 is declared affecting a catalog system shown on the page
as "Payments API", and three customer updates are published (the update form submitted, its
preview published), so the page has an active incident with three updates.

Then --rounds rounds. In each, signed `/incident roles` go to the incident's channel at
--roles-rate per second for 2 × --seconds (open loop: sent on schedule whatever the answers
do), and GET /status.json at --rate per second (open loop) during every other --window
seconds: --seconds of load per round, in windows alternating with as many quiet ones (which
comes first alternates by round). Each `roles` request counts as loaded or quiet by the window
it was sent in, so both sides see the same background load of a shared machine; --window
equal to --seconds gives two plain phases instead.

It prints /status.json's answer time p50/p95/p99/max and status codes, `roles` ack p50/p99
quiet and loaded, and Warroom's CPU time per /status.json (5 s of that load alone against 5 s
idle). Targets: /status.json p99 under 50 ms; the loaded `roles` p99 within 1.2x of the quiet
one.

Run from the repository root:  python -m bench.status_page [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from app.slack.blocks.update_modal import FORM_CALLBACK
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
from bench.ack_latency import WarroomDatabase, warroom_log_problems
from tests.fakes import requests as slack_requests

TARGET_P99_MS = 50.0
TARGET_RATIO = 1.2
MAX_RATE = 1000  # requests per second, either load
MAX_SECONDS = 60
TIMEOUT = 10.0  # seconds for one request
UPDATES = 3
CONFIG = """\
announcements_channel: "#incidents"
audiences:
  customer: {channel: "#general"}    # the bench's FakeSlack has no #customer-comms
status_page: {title: "Bench status", timezone: UTC}
catalog:
  payments-api: {kind: service, public: {name: "Payments API"}}
"""


class Timings:
    """Answer times of one kind of request, and what went wrong."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.failures: Counter[str] = Counter()
        self.late_starts = 0  # requests the generator sent more than 5 ms after their slot

    def summary(self) -> dict[str, float]:
        values = self.seconds
        return {
            "p50": percentile(values, 50) * 1000,
            "p95": percentile(values, 95) * 1000,
            "p99": percentile(values, 99) * 1000,
            "max": max(values, default=float("nan")) * 1000,
        }


async def open_loop(
    rate: float, seconds: float, send: Any, start: float | None = None, when: Any = None
) -> None:
    """Call `send(slot)` `rate` times a second for `seconds` from `start` (now), each on
    schedule and in its own task, so a slow answer never delays the next request; with
    `when`, only for the slots it accepts."""
    started = time.monotonic() if start is None else start
    tasks = []
    for n in range(int(rate * seconds)):
        slot = started + n / rate
        if when is not None and not when(slot):
            continue
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(slot)))
    await asyncio.gather(*tasks)


async def one_round(
    bench: Bench, args: argparse.Namespace, loaded_first: bool, status: Timings
) -> dict[bool, Timings]:
    """`roles` throughout; /status.json load in every other window. The `roles` timings of
    the loaded windows and of the quiet ones."""
    windows = max(1, round(args.seconds / args.window))
    start = time.monotonic() + 0.1

    def loaded(slot: float) -> bool:
        return (int((slot - start) // args.window) % 2 == 0) == loaded_first

    roles = {False: Timings(), True: Timings()}
    await asyncio.gather(
        open_loop(
            args.roles_rate,
            2 * windows * args.window,
            lambda slot: bench.roles(roles[loaded(slot)], slot),
            start,
        ),
        open_loop(
            args.rate,
            2 * windows * args.window,
            lambda slot: bench.status_json(status, slot),
            start,
            when=loaded,
        ),
    )
    return roles


async def cpu_per_request(bench: Bench, warroom: Child, rate: float) -> float | None:
    """Warroom's CPU time per /status.json: 5 s of that load alone, less 5 s idle."""
    idle_before = warroom.cpu_seconds()
    await asyncio.sleep(5)
    idle = warroom.cpu_seconds()
    timings = Timings()
    await open_loop(rate, 5, lambda slot: bench.status_json(timings, slot))
    busy = warroom.cpu_seconds()
    if idle_before is None or idle is None or busy is None or not timings.seconds:
        return None
    return ((busy - idle) - (idle - idle_before)) / len(timings.seconds)


class Bench:
    def __init__(self, base_url: str, channel: str, user: str, response_urls: list[str]) -> None:
        self.base_url, self.channel, self.user = base_url, channel, user
        self.response_urls = iter(response_urls)
        self.session = aiohttp.ClientSession(
            base_url=base_url,
            connector=aiohttp.TCPConnector(limit=200),
            timeout=aiohttp.ClientTimeout(total=TIMEOUT),
        )

    async def close(self) -> None:
        await self.session.close()

    async def signed(self, body: bytes) -> tuple[int, str]:
        headers = slack_requests.signed_headers(SIGNING_SECRET, body)
        async with self.session.post("/slack/events", data=body, headers=headers) as response:
            return response.status, await response.text()

    async def roles(self, timings: Timings, slot: float) -> None:
        body = slack_requests.slash_command_body(
            "roles",
            user_id=self.user,
            channel_id=self.channel,
            response_url=next(self.response_urls),
            trigger_id=f"{time.time():.6f}.bench",
        )
        await self._timed(timings, slot, self.signed(body), ok=lambda status, _: status == 200)

    async def status_json(self, timings: Timings, slot: float) -> None:
        async def get() -> tuple[int, str]:
            async with self.session.get("/status.json") as response:
                await response.read()
                return response.status, ""

        await self._timed(timings, slot, get(), ok=lambda status, _: status == 200)

    async def _timed(self, timings: Timings, slot: float, request: Any, ok: Any) -> None:
        started = time.perf_counter()
        timings.late_starts += time.monotonic() - slot > 0.005
        try:
            status, text = await request
        except (aiohttp.ClientError, TimeoutError) as exc:
            timings.failures[type(exc).__name__] += 1
            return
        if ok(status, text):
            timings.seconds.append(time.perf_counter() - started)
        else:
            timings.failures[f"HTTP {status}: {text[:60]}"] += 1


async def publish_customer_update(bench: Bench, channel: str, user: str, impact: str) -> None:
    """The update form as Slack submits it (customer ticked), then its preview published."""
    options = [
        {"text": {"type": "plain_text", "text": a}, "value": a} for a in ("technical", "customer")
    ]
    fields = {"what_changed": "Rolled back", "impact": impact, "uncertain": "", "next_steps": ""}
    state: dict[str, Any] = {
        k: {k: {"type": "plain_text_input", "value": v}} for k, v in fields.items()
    }
    state["audiences"] = {"audiences": {"type": "checkboxes", "selected_options": options}}
    form = slack_requests.view_submission_body(
        FORM_CALLBACK, state, user_id=user, private_metadata=json.dumps({"channel_id": channel})
    )
    status, text = await bench.signed(form)
    preview = json.loads(text)["view"] if status == 200 and text else None
    if preview is None:
        raise RuntimeError(f"the update form was refused: HTTP {status} {text[:200]}")
    body = slack_requests.view_submission_body(
        preview["callback_id"], {}, user_id=user, private_metadata=preview["private_metadata"]
    )
    status, text = await bench.signed(body)
    if status != 200:
        raise RuntimeError(f"publishing was refused: HTTP {status} {text[:200]}")


async def wait_for_page(bench: Bench, updates: int, warroom: Child) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        warroom.check()
        async with bench.session.get("/status.json") as response:
            summary = await response.json()
        incidents = summary.get("incidents") or []
        if incidents and len(incidents[0]["incident_updates"]) >= updates:
            return dict(summary)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the status page never showed {updates} updates:\n{warroom.tail()}")


async def run(args: argparse.Namespace, tmp: Path) -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = args.pin and len(cpus) >= 2
    server_cpus, client_cpus = (cpus[:1], cpus[1:]) if pin else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, set(client_cpus))
    print(
        f"status page: GET /status.json at {args.rate:g}/s, {args.seconds:g} s per round, beside "
        f"`/incident roles` at {args.roles_rate:g}/s, {args.rounds} rounds; "
        + (
            f"Warroom on CPU {server_cpus}, load + FakeSlack on {client_cpus}"
            if pin
            else "no pinning"
        )
    )
    children: list[Child] = []
    bench: Bench | None = None
    try:
        info_file = tmp / "fake.json"
        per_round = args.roles_rate * 2 * (args.seconds + args.window)
        needed = int(per_round * args.rounds) + args.warmup + 20
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
        (tmp / "warroom.yaml").write_text(CONFIG)
        env = {k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=str(info["api_url"]),
            WARROOM_DATABASE_URL=f"sqlite:///{tmp / 'warroom.db'}",
            WARROOM_CONFIG=str(tmp / "warroom.yaml"),
            WARROOM_RESPONSE_URL_HOSTS=HOST,  # the fake's response URLs
        )
        port = free_port()
        warroom = Child(
            "Warroom",
            python_module("app", "serve", "--http", "--host", HOST, "--port", str(port)),
            log_path=tmp / "warroom.log",
            env=env,
            cpus=server_cpus,
        )
        children.append(warroom)
        base_url = f"http://{HOST}:{port}"
        await asyncio.to_thread(wait_healthy, base_url, warroom)
        db = WarroomDatabase(tmp / "warroom.db")
        alice = str(info["people"]["alice"])
        urls = list(info["response_urls"])

        # The incident, its channel, and its customer updates.
        setup = Bench(base_url, str(info["general"]), alice, urls[:1])
        bench = setup
        declare = slack_requests.slash_command_body(
            "declare sev1 Bench payments model drift --affects payments-api",
            user_id=alice,
            channel_id=str(info["general"]),
            response_url=urls[0],
            trigger_id=f"{time.time():.6f}.bench",
        )
        await setup.signed(declare)
        deadline = time.monotonic() + 15
        while (channel := db.first_channel()) is None or db.pending():
            warroom.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"Warroom opened no war room:\n{warroom.tail()}")
            await asyncio.sleep(0.05)
        for n in range(UPDATES):
            await publish_customer_update(setup, channel, alice, f"Card payments slow ({n + 1})")
        summary = await wait_for_page(setup, UPDATES, warroom)
        await setup.close()
        size = len(json.dumps(summary).encode())
        print(
            f"page: {summary['status']['description']}, {len(summary['incidents'])} incident "
            f"with {UPDATES} customer updates, /status.json {size} bytes"
        )

        bench = Bench(base_url, channel, alice, urls[1:])
        warm = Timings()
        await open_loop(50, 1, lambda slot: bench.status_json(warm, slot))
        await open_loop(
            args.roles_rate, args.warmup / args.roles_rate, lambda slot: bench.roles(warm, slot)
        )
        await db.wait_quiet(time.monotonic() + 30)

        status, quiet_roles, loaded_roles = Timings(), Timings(), Timings()
        quiet_rounds: list[float] = []
        loaded_rounds: list[float] = []
        other_load = OtherLoad(children)
        started = time.monotonic()
        for r in range(args.rounds):
            roles = await one_round(bench, args, r % 2 == 0, status)
            await db.wait_quiet(time.monotonic() + 30)
            for loaded, into, rounds in (
                (False, quiet_roles, quiet_rounds),
                (True, loaded_roles, loaded_rounds),
            ):
                into.seconds.extend(roles[loaded].seconds)
                into.failures.update(roles[loaded].failures)
                rounds.append(percentile(roles[loaded].seconds, 99))
        wall = time.monotonic() - started
        noise = other_load.describe()
        report(args, status, quiet_roles, loaded_roles, quiet_rounds, loaded_rounds, wall)
        cost = await cpu_per_request(bench, warroom, args.rate)
        if cost is not None:
            print(f"Warroom's CPU time per /status.json: {cost * 1000:.2f} ms")
        print(noise)
    finally:
        if bench is not None:
            await bench.close()
        for child in reversed(children):
            child.stop()
    problems = warroom_log_problems(tmp / "warroom.log")
    if problems:
        print(f"Warroom logged {len(problems)} error lines, e.g.:")
        for line in problems[:5]:
            print(f"  {line[:200]}")
    return 0


def report(
    args: argparse.Namespace,
    status: Timings,
    quiet: Timings,
    loaded: Timings,
    quiet_rounds: list[float],
    loaded_rounds: list[float],
    wall: float,
) -> None:
    s = status.summary()
    sent = len(status.seconds) + sum(status.failures.values())
    print()
    verdict = "met" if s["p99"] < TARGET_P99_MS else "MISSED"
    print(
        f"GET /status.json: {len(status.seconds)}/{sent} answered 200, p50 {s['p50']:.1f} ms, "
        f"p95 {s['p95']:.1f} ms, p99 {s['p99']:.1f} ms, max {s['max']:.1f} ms "
        f"(target p99 < {TARGET_P99_MS:.0f} ms: {verdict}); "
        f"{status.late_starts} sent over 5 ms late by this generator"
    )
    q, lo = quiet.summary(), loaded.summary()
    ratio = lo["p99"] / q["p99"]
    robust = median(loaded_rounds) / median(quiet_rounds)
    print(
        f"/incident roles ack, quiet:  {len(quiet.seconds)} acks, p50 {q['p50']:.1f} ms, "
        f"p99 {q['p99']:.1f} ms, max {q['max']:.1f} ms"
    )
    print(
        f"/incident roles ack, loaded: {len(loaded.seconds)} acks, p50 {lo['p50']:.1f} ms, "
        f"p99 {lo['p99']:.1f} ms, max {lo['max']:.1f} ms"
    )
    print(
        f"loaded ÷ quiet p99: {ratio:.2f}x (target ≤ {TARGET_RATIO}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}); median of per-round p99s: {robust:.2f}x"
    )
    print("p99 per round (ms), quiet:  " + "  ".join(f"{v * 1000:.1f}" for v in quiet_rounds))
    print("p99 per round (ms), loaded: " + "  ".join(f"{v * 1000:.1f}" for v in loaded_rounds))
    for name, timings in (
        ("status.json", status),
        ("roles quiet", quiet),
        ("roles loaded", loaded),
    ):
        for failure, n in timings.failures.most_common(5):
            print(f"  {name} failure ×{n}: {failure}")
    print(
        f"{args.rounds} rounds of {args.seconds:g} s loaded and {args.seconds:g} s quiet in "
        f"{args.window:g} s windows, {wall:.1f} s of wall time"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="GET /status.json per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of load per round")
    parser.add_argument(
        "--window", type=float, default=1.0, help="seconds of each loaded or quiet window"
    )
    parser.add_argument("--roles-rate", type=float, default=30.0, help="/incident roles per second")
    parser.add_argument("--rounds", type=int, default=3, help="quiet and loaded phases, alternated")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up /incident roles requests")
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="don't pin Warroom and the load generator to different CPUs",
    )
    args = parser.parse_args()
    args.rate = max(1.0, min(args.rate, MAX_RATE))
    args.roles_rate = max(1.0, min(args.roles_rate, MAX_RATE))
    args.seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    args.window = max(0.2, min(args.window, args.seconds))
    args.rounds = max(1, min(args.rounds, 10))
    args.warmup = max(1, min(args.warmup, 1000))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
