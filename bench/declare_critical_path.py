"""The declaration's critical path, in Web API round trips.

The fake Web API adds LATENCY (100 ms) to every call; concurrent calls overlap. For each
`/incident declare sev1 …` this measures the time from the HTTP ack to the end of the
`pins.add` that pins the kickoff message, and divides it by LATENCY: the round trips on the
critical path. Target: at most 3 (create the channel; post the kickoff, alongside the invite,
topic and announcement; pin it).

With `--affects`, the catalog has a feature store with three models behind it (owners by
user and by user group) and every declaration names it (`--affects fs-online`): the blast
radius, its owners' invites and the group lookup must run beside the critical path, not on it;
the radius message's arrival is printed too.

Run from the repository root:  python -m bench.declare_critical_path [--declarations 10] [--affects]
Everything (FakeSlack, the real app over HTTP through uvicorn) runs in this process on
127.0.0.1; the fake's call log (monotonic start/end of each call) gives the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from app.clock import SystemClock
from app.config import WarroomConfig, parse_config
from bench._common import NO_RATE_LIMIT, OtherLoad, cpu_count, median, ms
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.fakes.web_dispatch import CallRecord
from tests.harness import Warroom
from tests.manifest import manifest_bot_scopes

LATENCY = 0.100  # seconds the fake adds to every Web API call
TARGET_ROUND_TRIPS = 3
MAX_DECLARATIONS = 50
WAIT_FOR_PIN = 15.0  # seconds; a declaration that takes longer is reported as not pinned


@dataclass
class Measurement:
    number: int
    incident: str  # INC-n
    request_to_ack: float  # seconds
    ack_to_pin: float | None  # seconds, None when the pin never came
    chain: list[CallRecord]  # the critical path, ending with pins.add
    calls: list[CallRecord]  # every Web API call the declaration caused
    ack: float  # monotonic time of the ack
    response_url_posts: int

    @property
    def round_trips(self) -> float | None:
        return None if self.ack_to_pin is None else self.ack_to_pin / LATENCY


async def declare_once(room: Warroom, number: int, title: str, affects: str = "") -> Measurement:
    fake = room.fake
    fake.reset_calls()
    response_url = fake.new_response_url()
    body = slack_requests.slash_command_body(
        f"declare sev1 {title}{affects}",
        user_id=room.people.alice,
        channel_id=room.general,
        response_url=response_url,
        trigger_id=fake.issue_trigger_id(),
    )
    sent = time.monotonic()
    response = await room.post(body)
    acked = time.monotonic()
    if response.status_code != 200 or "Declaring" not in response.text:
        raise RuntimeError(f"unexpected ack {response.status_code}: {response.text[:200]}")

    pin = await _wait_for_pin(fake, acked)
    await room.settle(timeout=WAIT_FOR_PIN, advance_clock=False)  # every call has finished
    calls = sorted(fake.calls, key=lambda c: c.started)
    return Measurement(
        number=number,
        incident=incident_ref(response_url, fake),
        request_to_ack=acked - sent,
        ack_to_pin=None if pin is None else pin.ended - acked,
        chain=critical_chain(calls, pin),
        calls=calls,
        ack=acked,
        response_url_posts=len(fake.responses.get(response_url, [])),
    )


def incident_ref(response_url: str, fake: FakeSlack) -> str:
    """INC-n, read from the reply the app posted to the response_url."""
    for reply in fake.responses.get(response_url, []):
        found = re.search(r"INC-\d+", json.dumps(reply))
        if found:
            return found.group(0)
    return "?"


async def _wait_for_pin(fake: FakeSlack, since: float) -> CallRecord | None:
    deadline = time.monotonic() + WAIT_FOR_PIN
    while time.monotonic() < deadline:
        pins = [c for c in fake.calls_to("pins.add") if c.ok and c.started >= since]
        if pins:
            return pins[0]
        await asyncio.sleep(0.002)
    return None


def critical_chain(calls: list[CallRecord], pin: CallRecord | None) -> list[CallRecord]:
    """pins.add ← the chat.postMessage whose ts it pins ← the conversations.create of that
    channel: found from the calls' own arguments and answers, not assumed."""
    if pin is None:
        return []
    chain = [pin]
    post = next(
        (
            c
            for c in calls
            if c.method == "chat.postMessage"
            and c.ok
            and c.response.get("ts") == pin.args.get("timestamp")
        ),
        None,
    )
    if post is None:
        return chain
    chain.insert(0, post)
    channel = post.response.get("channel")
    create = next(
        (
            c
            for c in calls
            if c.method == "conversations.create"
            and c.ok
            and c.response.get("channel", {}).get("id") == channel
        ),
        None,
    )
    if create is not None:
        chain.insert(0, create)
    return chain


def waves(calls: list[CallRecord]) -> list[list[CallRecord]]:
    """Group calls that were in flight together: a call joins the current wave when it
    started before the first answer of that wave came back."""
    groups: list[list[CallRecord]] = []
    for call in sorted(calls, key=lambda c: c.started):
        if groups and call.started < min(c.ended for c in groups[-1]):
            groups[-1].append(call)
        else:
            groups.append([call])
    return groups


def describe_call(call: CallRecord) -> str:
    if call.method == "chat.postMessage":
        channel = str(call.args.get("channel", ""))
        text = str(call.args.get("text", ""))[:40].replace("\n", " ")
        return f"chat.postMessage({channel}: {text!r})"
    return call.method


def wave_summary(calls: list[CallRecord], ack: float) -> str:
    parts = []
    for group in waves(calls):
        counts = Counter(c.method for c in group)
        names = ", ".join(m if n == 1 else f"{m}×{n}" for m, n in counts.items())
        start = min(c.started for c in group) - ack
        end = max(c.ended for c in group) - ack
        parts.append(f"{{{names}}} [{ms(start)}–{ms(end)} ms]")
    return "\n      → ".join(parts)


def print_detail(m: Measurement) -> None:
    chain = set(map(id, m.chain))
    print(f"  declaration #{m.number} ({m.incident}): its Web API calls, offsets from the ack (ms)")
    print(f"    {'start':>8} {'end':>8}  {'':1} call")
    for call in m.calls:
        mark = "*" if id(call) in chain else " "
        status = "" if call.ok else f"  [{call.status} {call.response.get('error', '')}]"
        print(
            f"    {ms(call.started - m.ack):>8} {ms(call.ended - m.ack):>8}  {mark} "
            f"{describe_call(call)}{status}"
        )
    print("    (* = on the critical path to the pin)")
    print(f"    waves of concurrent calls:\n      {wave_summary(m.calls, m.ack)}")
    if m.chain:
        steps = []
        previous_end = m.ack
        for call in m.chain:
            steps.append(
                f"{ms(call.started - previous_end)} ms wait, {call.method} "
                f"{ms(call.ended - call.started)} ms"
            )
            previous_end = call.ended
        print("    critical path: ack → " + " → ".join(steps))


async def run(args: argparse.Namespace) -> int:
    count = max(1, min(args.declarations, MAX_DECLARATIONS))
    print(
        f"declare critical path: fake Web API latency {LATENCY * 1000:.0f} ms per call, "
        f"{count} declarations (+1 warm-up), {cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        fake = FakeSlack(
            latency=LATENCY, scopes=manifest_bot_scopes(), post_burst=NO_RATE_LIMIT
        ).start()
        room: Warroom | None = None
        try:
            config = parse_config(CATALOG) if args.affects else WarroomConfig()
            room = Warroom(fake, f"sqlite:///{Path(tmp) / 'warroom.db'}", config=config)
            room.clock = SystemClock()  # type: ignore[assignment]  # real time, not a fake clock
            await room.start()
            if args.affects:
                seed_owners(fake)
            affects = " --affects fs-online" if args.affects else ""
            # Warm-up: Bolt's auth.test before the first ack, the gateway's bot user lookup.
            await declare_once(room, 0, "Bench warm-up declaration", affects)
            results = []
            other_load = OtherLoad([])
            for i in range(1, count + 1):
                results.append(await declare_once(room, i, f"Bench fraud model drift {i}", affects))
            noise = other_load.describe()
            report(results, verbose=args.verbose)
            if args.affects:
                report_radius(results)
            print(noise)
            if fake.fake_errors:
                print(f"\nWARNING: the fake raised {len(fake.fake_errors)} internal errors")
        finally:
            if room is not None and room.runtime is not None:
                await room.stop()
            fake.stop()
    return 0


def report(results: list[Measurement], *, verbose: bool) -> None:
    pinned = [m for m in results if m.ack_to_pin is not None]
    typical = sorted(pinned, key=lambda m: m.ack_to_pin or 0)[len(pinned) // 2] if pinned else None
    print()
    for m in results if verbose else [typical or results[0]]:
        print_detail(m)
        print()
    print(
        f"  {'#':>3} {'incident':>8} {'req→ack ms':>10} {'ack→pin ms':>10} {'round trips':>11} "
        f"{'create wait':>11} {'post wait':>9} {'pin wait':>8} {'app ms':>6} {'calls':>5}"
    )
    for m in results:
        gaps = chain_gaps(m)
        rt = "not pinned" if m.round_trips is None else f"{m.round_trips:.2f}"
        pin_ms = "-" if m.ack_to_pin is None else ms(m.ack_to_pin)
        app = "-" if m.ack_to_pin is None else ms(app_time(m))
        print(
            f"  {m.number:>3} {m.incident:>8} {ms(m.request_to_ack):>10} {pin_ms:>10} {rt:>11} "
            f"{gaps[0]:>11} {gaps[1]:>9} {gaps[2]:>8} {app:>6} {len(m.calls):>5}"
        )
    print(
        "  (waits: ms from the ack, or from the previous path call's answer, to the next path\n"
        "   call reaching the fake; app ms: ack→pin minus the time the path calls spent at the\n"
        "   fake, i.e. the app's own work between round trips)"
    )

    per_declaration = Counter(len(m.calls) for m in results)
    methods = Counter(c.method for m in results for c in m.calls)
    print()
    print(f"declarations measured:          {len(results)} (pinned: {len(pinned)})")
    if pinned:
        elapsed = [m.ack_to_pin or 0.0 for m in pinned]
        trips = [m.round_trips or 0.0 for m in pinned]
        sequential = [len(m.chain) for m in pinned]
        structural_ok = max(sequential) <= TARGET_ROUND_TRIPS
        whole_ok = max(int(t) for t in trips) <= TARGET_ROUND_TRIPS
        print(
            f"ack → kickoff pinned:           median {ms(median(elapsed))} ms, "
            f"max {ms(max(elapsed))} ms"
        )
        print(
            f"round trips (elapsed ÷ {LATENCY * 1000:.0f} ms):  median {median(trips):.2f}, "
            f"max {max(trips):.2f}"
        )
        spread = (
            f"{min(sequential)}"
            if min(sequential) == max(sequential)
            else f"{min(sequential)}–{max(sequential)}"
        )
        print(
            f"dependent round trips on path:  {spread} "
            "(conversations.create → kickoff chat.postMessage → pins.add)"
        )
        print(
            f"app time between round trips:   median {ms(median([app_time(m) for m in pinned]))}"
            f" ms, max {ms(max(app_time(m) for m in pinned))} ms"
        )
        print(
            f"target ≤ {TARGET_ROUND_TRIPS} round trips:           "
            + ("met" if structural_ok and whole_ok else "MISSED")
            + f" by the call graph ({max(sequential)} dependent calls, the rest concurrent;"
            + f" all pinned before {int(max(trips)) + 1} × {LATENCY * 1000:.0f} ms)."
        )
        print(
            f"  Read strictly (ack→pin ≤ {TARGET_ROUND_TRIPS * LATENCY * 1000:.0f} ms) it cannot"
            f" be met: {TARGET_ROUND_TRIPS} dependent calls alone take that long, and the app adds"
            f" {ms(median([app_time(m) for m in pinned]))} ms (median)."
        )
    else:
        print(f"target ≤ {TARGET_ROUND_TRIPS} round trips:           MISSED (nothing was pinned)")
    print(
        "Web API calls per declaration:  "
        + ", ".join(f"{n} (×{k})" for n, k in sorted(per_declaration.items()))
        + f"; plus {median([m.response_url_posts for m in results]):.0f} response_url post"
    )
    print(
        "  by method, per declaration:   "
        + ", ".join(f"{m} {n / len(results):g}" for m, n in sorted(methods.items()))
    )


def app_time(m: Measurement) -> float:
    """ack→pin minus the time the critical-path calls spent inside the fake."""
    return (m.ack_to_pin or 0.0) - sum(c.ended - c.started for c in m.chain)


def chain_gaps(m: Measurement) -> list[str]:
    """Wait before each call of the critical path (ms), '-' when the step is missing."""
    gaps: list[str] = []
    previous_end = m.ack
    for call in m.chain:
        gaps.append(ms(call.started - previous_end))
        previous_end = call.ended
    return [*gaps, "-", "-", "-"][:3]


CATALOG = {
    "business_functions": {
        "risk": {"name": "Fraud & risk", "owners": ["U0RISK001"]},
        "support": {"name": "Customer support", "owners": ["S0SUPPORT"]},
    },
    "catalog": {
        "fs-online": {"kind": "feature_store", "owners": ["U0DATA001"]},
        "fraud-scorer": {"kind": "model", "depends_on": ["fs-online"], "serves": ["risk"]},
        "search-ranker": {"kind": "model", "depends_on": ["fs-online"], "serves": ["support"]},
        "churn-model": {"kind": "model", "depends_on": ["fs-online"], "owners": ["U0GROW001"]},
    },
}


def seed_owners(fake: FakeSlack) -> None:
    for user in ("U0RISK001", "U0DATA001", "U0GROW001", "U0SUPP001"):
        fake.add_user(user, user.lower())
    fake.add_user_group("S0SUPPORT", ["U0SUPP001"])


def report_radius(results: list[Measurement]) -> None:
    """When the blast radius reached the channel, and whether its work joined the chain."""
    arrivals = []
    for m in results:
        posts = [
            c
            for c in m.calls
            if c.method == "chat.postMessage" and "Blast radius" in str(c.args.get("text", ""))
        ]
        if posts:
            arrivals.append((posts[0].ended - m.ack) / LATENCY)
        on_chain = {c.method for c in m.chain} & {"usergroups.users.list", "conversations.invite"}
        if on_chain - {"conversations.invite"}:
            print(f"  {m.incident}: the radius work is on the critical path: {sorted(on_chain)}")
    if arrivals:
        print(
            f"blast radius message posted {median(arrivals):.2f} round trips after the ack "
            f"(median; min {min(arrivals):.2f}, max {max(arrivals):.2f})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--declarations", type=int, default=10, help=f"how many (max {MAX_DECLARATIONS})"
    )
    parser.add_argument("--verbose", action="store_true", help="print every declaration's calls")
    parser.add_argument("--affects", action="store_true", help="declare with --affects fs-online")
    args = parser.parse_args()
    return asyncio.run(asyncio.wait_for(run(args), timeout=110))


if __name__ == "__main__":
    raise SystemExit(main())
