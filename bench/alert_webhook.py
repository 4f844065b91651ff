"""How fast the alert webhooks answer while alerts arrive at a steady rate.

    python -m bench.alert_webhook [--rate 50] [--seconds 10] [--fingerprints 100] [--no-pin]

Processes, all on 127.0.0.1: FakeSlack (bench.fake_slack), and Warroom as deployed
(`python -m app serve --http`, SQLite, WARROOM_ALERTS_TOKEN set). This process sends alerts
open-loop: request n leaves at start + n/rate whether or not earlier ones were answered (as
monitoring does: Alertmanager does not wait for Warroom), four in five as Alertmanager
notifications to /alerts/alertmanager and one in five as a PagerDuty event to /alerts/events.
Each alert is drawn from a pool of `--fingerprints` distinct alerts, so most are repeats (what
the intake folds into what it already has).

Prints the answer time (request written → response read) p50/p99/max, and the status codes.
Target: p99 ≤ 100 ms at 50 alerts/s for 10 s. Until the intake is wired the routes answer
503 "alert intake not running": that measures the edge alone (token, body, parse). Asserts
nothing; every child process is stopped on the way out (also on error, Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench._common import (
    BOT_TOKEN,
    HOST,
    SIGNING_SECRET,
    Child,
    OtherLoad,
    free_port,
    ms,
    percentile,
    python_module,
    wait_for_file,
    wait_healthy,
)
from tests.alert_bodies import alertmanager, am_alert, event

TOKEN = "bench-alerts-token-0123456789"
TARGET_P99 = 0.100  # seconds
MAX_ALERTS = 5_000  # rate × seconds, at most
WARMUP = 50


def bodies(fingerprints: int, count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """(path, body) for each request, drawn from `fingerprints` distinct alerts."""
    rng = random.Random(seed)
    requests = []
    for n in range(count):
        k = rng.randrange(fingerprints)
        model = f"model-{k % 10}"
        if n % 5 == 4:
            body = event(dedup_key=f"bench-{k}")
            body["payload"]["custom_details"]["model"] = model
            requests.append(("/alerts/events", json.dumps(body).encode()))
        else:
            labels = {"alertname": f"ModelDrift{k}", "severity": "warning", "model": model}
            alert = am_alert(fingerprint=f"{k:016x}", labels=labels)
            requests.append(("/alerts/alertmanager", json.dumps(alertmanager(alert)).encode()))
    return requests


async def send_all(
    base_url: str, requests: list[tuple[str, bytes]], rate: float
) -> tuple[list[float], Counter[str], float]:
    """Open loop at `rate`; (answer times, status counts, worst lateness of a start)."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    worst_late = 0.0
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(base_url, timeout=timeout, connector=connector) as session:

        async def one(path: str, body: bytes) -> None:
            began = time.perf_counter()
            try:
                async with session.post(path, data=body, headers=headers) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                statuses[type(exc).__name__] += 1
                return
            latencies.append(time.perf_counter() - began)

        tasks = []
        start = time.perf_counter()
        for n, (path, body) in enumerate(requests):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            worst_late = max(worst_late, time.perf_counter() - due)
            tasks.append(asyncio.create_task(one(path, body)))
        await asyncio.gather(*tasks)
    return latencies, statuses, worst_late


async def run(args: argparse.Namespace, tmp: Path) -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = args.pin and len(cpus) >= 2
    server_cpus = cpus[:1] if pin else None
    client_cpus = cpus[1:] if pin else None
    if client_cpus:
        os.sched_setaffinity(0, set(client_cpus))
    count = min(int(args.rate * args.seconds), MAX_ALERTS)
    print(
        f"alert webhooks: {count} alerts at {args.rate:g}/s over {args.fingerprints} distinct "
        f"alerts; Python {sys.version.split()[0]}; "
        + (f"Warroom on CPU {server_cpus}, the rest on {client_cpus}" if pin else "no pinning")
    )
    children: list[Child] = []
    try:
        info_file = tmp / "fake.json"
        fake = Child(
            "FakeSlack",
            python_module("bench.fake_slack", "--info-file", str(info_file)),
            log_path=tmp / "fake.log",
            cpus=client_cpus,
        )
        children.append(fake)
        info = wait_for_file(info_file, fake)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=str(info["api_url"]),
            WARROOM_DATABASE_URL=f"sqlite:///{tmp / 'warroom.db'}",
            WARROOM_ALERTS_TOKEN=TOKEN,
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
        url = f"http://{HOST}:{port}"
        await asyncio.to_thread(wait_healthy, url, warroom)

        await send_all(url, bodies(args.fingerprints, WARMUP, seed=1), args.rate)
        other = OtherLoad(children)
        requests = bodies(args.fingerprints, count)
        distinct = len({body for _, body in requests})
        cpu_before = warroom.cpu_seconds()
        began = time.monotonic()
        latencies, statuses, late = await send_all(url, requests, args.rate)
        wall = time.monotonic() - began
        cpu_after = warroom.cpu_seconds()
        noise = other.describe()
        warroom.check()
    finally:
        for child in reversed(children):
            child.stop()

    p99 = percentile(latencies, 99)
    print(f"sent {count} ({distinct} distinct bodies) in {wall:.1f} s; ", end="")
    print(f"starts at most {ms(late)} ms late")
    print(
        f"answer time: p50 {ms(percentile(latencies, 50))} ms, p99 {ms(p99)} ms, "
        f"max {ms(max(latencies, default=float('nan')))} ms "
        f"(target p99 ≤ {TARGET_P99 * 1000:.0f} ms: {'met' if p99 <= TARGET_P99 else 'NOT met'})"
    )
    print("status codes: " + ", ".join(f"{code} × {n}" for code, n in sorted(statuses.items())))
    if "503" in statuses:
        print("  (503: the alert intake is not wired yet, or could not take the alerts)")
    if cpu_before is not None and cpu_after is not None:
        print(f"Warroom CPU: {cpu_after - cpu_before:.2f} s over {wall:.1f} s")
    print(noise)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="alerts per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fingerprints", type=int, default=100, help="distinct alerts")
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    args = parser.parse_args()
    args.rate = max(1.0, min(args.rate, 500.0))
    args.seconds = max(1.0, min(args.seconds, 60.0))
    args.fingerprints = max(1, min(args.fingerprints, 10_000))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
