"""From an alert's webhook to a working war room, in Web API round trips.

The fake Web API adds LATENCY (100 ms) to every call; concurrent calls overlap. For each
critical alert (Alertmanager's webhook body, a `declare` rule, a catalog model with an owner
and a playbook) this measures, from the moment the webhook is sent:
- the webhook's answer;
- the incident channel created (conversations.create answered);
- the model's owner invited (the conversations.invite naming them answered);
- the playbook's checklist posted in the channel;
and divides each by LATENCY. The same milestones are measured for a typed
`/incident declare sev1 … --affects <model>` (from its ack), so the two can be compared.
Target: no more round trips than a typed declaration.

Run from the repository root:  python -m bench.alert_to_war_room [--incidents 10]
Everything (FakeSlack, the real app over HTTP through uvicorn) runs in this process on
127.0.0.1; the fake's call log (monotonic start/end of each call) gives the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.clock import SystemClock
from app.config import parse_config
from bench._common import NO_RATE_LIMIT, cpu_count, median, ms
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.fakes.web_dispatch import CallRecord
from tests.harness import Warroom
from tests.manifest import manifest_bot_scopes

LATENCY = 0.100
MAX_INCIDENTS = 30
WAIT = 15.0  # seconds for every milestone of one incident
MILESTONES = ("channel", "owner invited", "checklist")


def config(n: int) -> dict[str, Any]:
    """n models, each behind its own feature store (so no alert joins another's incident)."""
    catalog: dict[str, Any] = {}
    for i in range(n + 1):
        catalog[f"fs-{i}"] = {"kind": "feature_store"}
        catalog[f"model-{i}"] = {
            "kind": "model",
            "owners": [owner(i)],
            "depends_on": [f"fs-{i}"],
            "playbook": "model-drift",
        }
    rules = [{"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"}]
    return {"catalog": catalog, "alerts": {"rules": rules}}


def owner(i: int) -> str:
    return f"U0OWN{i:04}"


def body(i: int) -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": {"alertname": "PrecisionDrop", "severity": "critical", "model": f"model-{i}"},
        "annotations": {"summary": f"Precision dropped on model-{i}", "value": "0.71"},
        "startsAt": "2026-11-30T02:10:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com/graph",
        "fingerprint": f"bench{i:011}",
    }
    return {"version": "4", "groupKey": f"g{i}", "status": "firing", "receiver": "warroom",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager.example.com", "alerts": [alert]}  # fmt: skip


@dataclass
class Measured:
    answer: float  # seconds from sending to the HTTP answer
    reached: dict[str, float | None]  # milestone -> seconds from the start
    chained: dict[str, int | None]  # milestone -> Web API calls one after another up to it


def wanted(who: str) -> dict[str, Any]:
    return {
        "channel": lambda c: c.method == "conversations.create",
        "owner invited": lambda c: (
            c.method == "conversations.invite" and who in str(c.args.get("users"))
        ),
        "checklist": lambda c: c.method == "chat.postMessage" and "required steps" in str(c.args),
    }


async def milestones(fake: FakeSlack, start: float, who: str) -> dict[str, CallRecord | None]:
    deadline = time.monotonic() + WAIT
    found: dict[str, CallRecord | None] = dict.fromkeys(MILESTONES)
    while time.monotonic() < deadline and None in found.values():
        calls = [c for c in fake.calls if c.ok and c.started >= start]
        for name, check in wanted(who).items():
            hits = sorted((c for c in calls if check(c)), key=lambda c: c.ended)
            found[name] = hits[0] if hits else None
        await asyncio.sleep(0.002)
    return found


def chain(calls: list[CallRecord], last: CallRecord) -> int:
    """How many Web API calls ran one after another up to `last` (each starting only after
    the one before it answered): the dependent round trips, whatever the app adds between."""
    count, before = 1, last.started
    while True:
        earlier = [c for c in calls if c.ended <= before and c is not last]
        if not earlier:
            return count
        previous = max(earlier, key=lambda c: c.ended)
        count, before = count + 1, previous.started


def measured(fake: FakeSlack, start: float, answered: float, found: dict[str, Any]) -> Measured:
    calls = [c for c in fake.calls if c.ok and c.started >= start]
    return Measured(
        answered,
        {name: (c.ended - start if c else None) for name, c in found.items()},
        {name: (chain(calls, c) if c else None) for name, c in found.items()},
    )


async def by_alert(room: Warroom, i: int) -> Measured:
    room.fake.reset_calls()
    start = time.monotonic()
    response = await room.alert("alertmanager", body(i))
    answered = time.monotonic() - start
    if response.status_code != 200:
        raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")
    found = await milestones(room.fake, start, owner(i))
    await room.settle(timeout=WAIT, advance_clock=False)
    return measured(room.fake, start, answered, found)


async def by_hand(room: Warroom, i: int) -> Measured:
    room.fake.reset_calls()
    text = f"declare sev1 Precision dropped on model-{i} --affects model-{i}"
    request = slack_requests.slash_command_body(
        text,
        user_id=room.people.alice,
        channel_id=room.general,
        response_url=room.fake.new_response_url(),
        trigger_id=room.fake.issue_trigger_id(),
    )
    start = time.monotonic()
    response = await room.post(request)
    answered = time.monotonic() - start
    if response.status_code != 200:
        raise RuntimeError(f"ack {response.status_code}")
    found = await milestones(room.fake, start, owner(i))
    await room.settle(timeout=WAIT, advance_clock=False)
    return measured(room.fake, start, answered, found)


async def run(args: argparse.Namespace) -> int:
    n = max(1, min(args.incidents, MAX_INCIDENTS))
    print(
        f"alert → war room: fake Web API latency {LATENCY * 1000:.0f} ms per call, {n} alerts and "
        f"{n} typed declarations (+1 warm-up each), {cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        fake = FakeSlack(latency=LATENCY, scopes=manifest_bot_scopes(), post_burst=NO_RATE_LIMIT)
        fake.start()
        room = Warroom(fake, f"sqlite:///{Path(tmp) / 'w.db'}", config=parse_config(config(2 * n)))
        room.alerts_token = "bench-alerts-token"
        room.clock = SystemClock()  # type: ignore[assignment]
        try:
            for i in range(2 * n + 1):
                fake.add_user(owner(i), f"owner{i}")
            await room.start()
            await by_alert(room, 0)  # warm-up: Bolt's auth.test, the gateway's bot lookup
            await by_hand(room, 2 * n)
            alerts = [await by_alert(room, i) for i in range(1, n + 1)]
            typed = [await by_hand(room, n + i) for i in range(1, n)]
            report(alerts, typed)
        finally:
            if room.runtime is not None:
                await room.stop()
            fake.stop()
    return 0


def report(alerts: list[Measured], typed: list[Measured]) -> None:
    print()
    print(f"  {'':26} {'alert (webhook sent)':>22} {'typed (command sent)':>22}")
    print(f"  {'answered, ms':26} {_ms(alerts):>22} {_ms(typed):>22}")
    for name in MILESTONES:
        a, t = _trips(alerts, name), _trips(typed, name)
        print(f"  {name + ', round trips':26} {a:>22} {t:>22}")
        a, t = _calls(alerts, name), _calls(typed, name)
        print(f"  {name + ', dependent calls':26} {a:>22} {t:>22}")
    print(
        f"  (median / max; round trips: seconds from sending ÷ {LATENCY * 1000:.0f} ms; dependent\n"
        "   calls: Web API calls one after another up to the milestone; 'missing': not reached\n"
        f"   within {WAIT:.0f} s)"
    )
    worse = [n for n in MILESTONES if _worst(alerts, n) > _worst(typed, n)]
    print(
        "target, no more dependent round trips than a typed declaration: "
        + ("met" if not worse else f"MISSED for {', '.join(worse)}")
    )


def _ms(results: list[Measured]) -> str:
    values = [m.answer for m in results]
    return f"{ms(median(values))} / {ms(max(values))}"


def _trips(results: list[Measured], name: str) -> str:
    values = [m.reached[name] for m in results]
    present = [v for v in values if v is not None]
    if not present:
        return "missing"
    missing = len(values) - len(present)
    text = f"{median(present) / LATENCY:.2f} / {max(present) / LATENCY:.2f}"
    return text + (f" ({missing} missing)" if missing else "")


def _calls(results: list[Measured], name: str) -> str:
    present = [m.chained[name] for m in results if m.chained[name] is not None]
    return f"{median(present):g} / {max(present)}" if present else "missing"  # type: ignore[type-var, arg-type]


def _worst(results: list[Measured], name: str) -> int:
    present = [m.chained[name] for m in results if m.chained[name] is not None]
    return max(present) if len(present) == len(results) else 10**6  # type: ignore[type-var]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10, help=f"max {MAX_INCIDENTS}")
    return asyncio.run(asyncio.wait_for(run(parser.parse_args()), timeout=170))


if __name__ == "__main__":
    raise SystemExit(main())
