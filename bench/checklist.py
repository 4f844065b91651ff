"""Playbook checklists: rendering a 40-step one, and ticking steps beside `/incident roles`.

(1) Render: a playbook whose one phase has 40 steps (Slack's 10 checkboxes to an element: 4
elements), its checklist message built from the incident's state and drawn as Block Kit, as
the use case and the gateway do on every tick. Target: under 20 ms.

(2) Acks: Warroom as deployed (`python -m app serve --http`, SQLite, a playbook folder holding
that playbook) and FakeSlack, in processes of their own, as in ack_latency.py. One incident
follows the playbook; in each round 600 `/incident roles` in its channel and 600 ticks of its
checklist (a signed block action: each ticks a step and unticks another, a real change
recorded and edited into the message) are sent beside each other, 10 of each in flight.
Target: ticking acks within the same p99 as roles.

    python -m bench.checklist      # about 40 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from app.domain.playbooks import Phase, Playbook, Step
from app.services import outbox_messages as said
from app.slack.blocks.playbooks import checklist_message
from bench._common import (
    BOT_TOKEN,
    HOST,
    SIGNING_SECRET,
    Child,
    free_port,
    percentile,
    python_module,
    wait_for_file,
    wait_healthy,
)
from bench.ack_latency import Case, Load, WarroomDatabase
from tests.fakes import requests as slack_requests

STEPS = 40
TICKED = 10  # the steps of the first checkbox element, ticked one at a time


def big_playbook() -> dict[str, Any]:
    steps = [
        {
            "id": f"step-{n:02d}",
            "text": f"Check the {n}th thing that tends to break",
            "role": "tech-lead",
        }
        for n in range(STEPS)
    ]
    return {"title": "Forty steps", "phases": {"detection": {"steps": steps}}}


def render_times(runs: int) -> list[float]:
    steps = tuple(
        Step(s["id"], s["text"], s["role"]) for s in big_playbook()["phases"]["detection"]["steps"]
    )
    playbook = Playbook("forty", "Forty steps", phases=(Phase("detection", steps),))
    times = []
    for n in range(runs):
        began = time.perf_counter()
        lines = [
            said.StepLine(
                s.id, s.text, s.required, s.role, "U0HOLDER1", "U0DONE001" if i % 2 else None
            )
            for i, s in enumerate(playbook.phase("detection").steps)
        ]
        shown = said.ChecklistShown(playbook.name, playbook.title, "detection", lines)
        message = checklist_message(said.decode(shown.encode()))
        times.append(time.perf_counter() - began)
        assert len(message.blocks) == 2 + STEPS // 10, n
    return times


class Ticks(Load):
    """Roles as slash commands; ticks as block actions on the checklist's first element."""

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel

    def body(self, case: Case) -> bytes:
        if case.name != "tick":
            return super().body(case)
        self.sequence += 1
        ids = [f"step-{n:02d}" for n in range(TICKED)]
        options = [{"text": {"type": "mrkdwn", "text": i}, "value": i} for i in ids]
        element = {"type": "checkboxes", "action_id": "checklist:detection:0", "options": options}
        block = {"type": "actions", "block_id": "checklist-detection-0", "elements": [element]}
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "username": "alice", "name": "alice", "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "team": {"id": "T0TEAM", "domain": "fake"},
            "channel": {"id": self.channel, "name": "inc"},
            "container": {"type": "message", "channel_id": self.channel, "message_ts": "1.0"},
            "message": {"ts": "1.0", "text": "", "blocks": [block]},
            "trigger_id": f"{self.sequence}.bench",
            "response_url": f"http://{HOST}:9/commands/unused",
            "actions": [
                {
                    "type": "checkboxes",
                    "action_id": "checklist:detection:0",
                    "block_id": "checklist-detection-0",
                    "selected_options": [options[self.sequence % TICKED]],
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return slack_requests.interactive_body(payload)


async def ack_rounds(args: argparse.Namespace, tmp: Path) -> dict[str, list[list[float]]]:
    info_file = tmp / "fake.json"
    (tmp / "playbooks").mkdir()
    (tmp / "playbooks" / "forty.yaml").write_text(yaml.safe_dump(big_playbook()))
    children: list[Child] = []
    try:
        needed = args.rounds * args.requests + args.warmup + 10
        fake = Child(
            "FakeSlack",
            python_module(
                "bench.fake_slack", "--info-file", str(info_file), "--response-urls", str(needed)
            ),
            log_path=tmp / "fake.log",
        )
        children.append(fake)
        info = wait_for_file(info_file, fake)
        env = {k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=str(info["api_url"]),
            WARROOM_DATABASE_URL=f"sqlite:///{tmp / 'warroom.db'}",
            WARROOM_PLAYBOOKS_DIR=str(tmp / "playbooks"),
        )
        port = free_port()
        warroom = Child(
            "Warroom",
            python_module("app", "serve", "--http", "--host", HOST, "--port", str(port)),
            log_path=tmp / "warroom.log",
            env=env,
        )
        children.append(warroom)
        url = f"http://{HOST}:{port}"
        await asyncio.to_thread(wait_healthy, url, warroom)
        return await measure(args, info, url, tmp, warroom)
    finally:
        for child in reversed(children):
            child.stop()


async def measure(
    args: argparse.Namespace, info: dict[str, Any], url: str, tmp: Path, warroom: Child
) -> dict[str, list[list[float]]]:
    db = WarroomDatabase(tmp / "warroom.db")
    people, urls = info["people"], info["response_urls"]
    deadline = time.monotonic() + args.time_limit
    setup = Load(20, urls, str(people["alice"]), deadline)
    ok = lambda status, text: status == 200  # noqa: E731
    declare = Case(
        "setup",
        url,
        lambda n: "declare sev2 Bench --playbook forty",
        str(info["general"]),
        ok,
        True,
    )
    await setup.run(declare, 1, record=False)
    while (channel := db.first_channel()) is None:
        warroom.check()
        await asyncio.sleep(0.05)
    await setup.close()
    # Beside each other: 10 roles and 10 ticks in flight at once, 20 in all.
    loads = {  # only roles reply through a response_url
        "roles": Ticks(10, urls[2:], str(people["alice"]), deadline, channel=channel),
        "tick": Ticks(10, [], str(people["alice"]), deadline, channel=channel),
    }
    cases = {
        "roles": Case("roles", url, lambda n: "roles", channel, ok, True, server=warroom),
        "tick": Case("tick", url, lambda n: "", channel, ok, False, server=warroom),
    }
    for name, case in cases.items():
        await loads[name].run(case, args.warmup, record=False)
    rounds: dict[str, list[list[float]]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        measured = await asyncio.gather(
            *(loads[name].run(case, args.requests, record=True) for name, case in cases.items())
        )
        for name, latencies in zip(cases, measured, strict=True):
            rounds[name].append(latencies)
        await db.wait_quiet(time.monotonic() + 60)
    for load in loads.values():
        await load.close()
    return rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="per phase")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--time-limit", type=float, default=180.0)
    args = parser.parse_args()
    args.requests = max(20, min(args.requests, 2000))
    args.rounds = max(2, min(args.rounds, 10))
    times = render_times(1000)
    print(
        f"(1) checklist of a {STEPS}-step phase, built and drawn: p50 "
        f"{percentile(times, 50) * 1000:.2f} ms, p99 {percentile(times, 99) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms (target < 20 ms)"
    )
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        rounds = asyncio.run(ack_rounds(args, Path(tmp)))
    shape = f"{args.requests} of each per round, 10 + 10 in flight, {args.rounds} rounds"
    print(f"(2) acks, {shape} (ms):")
    for name, phases in rounds.items():
        every = [x for phase in phases for x in phase]
        per_round = "  ".join(f"{percentile(p, 99) * 1000:6.1f}" for p in phases)
        print(
            f"  {name:<6} p50 {percentile(every, 50) * 1000:6.1f}  p99 "
            f"{percentile(every, 99) * 1000:6.1f}   per-round p99: {per_round}"
        )
    ratio = percentile([x for p in rounds["tick"] for x in p], 99) / percentile(
        [x for p in rounds["roles"] for x in p], 99
    )
    medians = statistics.median(
        percentile(t, 99) / percentile(r, 99)
        for t, r in zip(rounds["tick"], rounds["roles"], strict=True)
    )
    print(
        f"  tick p99 ÷ roles p99: {ratio:.2f}x (median of rounds {medians:.2f}x; "
        "target: about 1x, the same p99)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
