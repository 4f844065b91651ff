"""How long `warroom serve` takes to exit after SIGTERM, in each state a service manager may
stop it in; prints the figures (and exit codes, and outbox rows left leased), asserts nothing.

    python -m bench.stop_time [--runs 3] [--time-limit 240]

Each run starts the real `python -m app serve` against a FakeSlack (or a closed port for
"Slack unreachable"), waits for the state, sends SIGTERM and times the exit.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from app.persistence.engine import make_engine
from app.persistence.tables import OutboxMessage
from bench._common import median
from tests.fakes.slack_api import FakeSlack
from tests.harness import free_port
from tests.served import (
    ATTEMPT,
    Served,
    fake_env,
    stop_with_a_delivery_in_flight,
    unreachable_env,
    wait_healthy,
)

Outcome = tuple[int | None, float, int | None]  # exit code, seconds, rows left leased


def retrying(folder: Path, started: list[Served], *args: str) -> Outcome:
    bot = Served(unreachable_env(folder), *args)
    started.append(bot)
    bot.wait_for(lambda: any(ATTEMPT.search(line) for line in bot.lines), 30, "an attempt")
    code, seconds = bot.terminate()
    return code, seconds, None


def socket_unreachable(folder: Path, started: list[Served]) -> Outcome:
    return retrying(folder, started)


def http_unreachable(folder: Path, started: list[Served]) -> Outcome:
    return retrying(folder, started, "--http", "--host", "127.0.0.1", "--port", str(free_port()))


def socket_connected(folder: Path, started: list[Served]) -> Outcome:
    with FakeSlack() as fake:
        bot = Served(fake_env(fake, f"sqlite:///{folder / 'w.db'}"))
        started.append(bot)
        fake.socket_connected(timeout=30)
        code, seconds = bot.terminate()
    return code, seconds, None


def http_serving(folder: Path, started: list[Served]) -> Outcome:
    port = free_port()
    with FakeSlack() as fake:
        env = fake_env(fake, f"sqlite:///{folder / 'w.db'}")
        bot = Served(env, "--http", "--host", "127.0.0.1", "--port", str(port))
        started.append(bot)
        wait_healthy(port, bot)
        code, seconds = bot.terminate()
    return code, seconds, None


def delivery_in_flight(folder: Path, started: list[Served]) -> Outcome:
    url = f"sqlite:///{folder / 'w.db'}"
    with FakeSlack() as fake:
        code, seconds, _ = stop_with_a_delivery_in_flight(fake, url, started)
    engine = make_engine(url)
    with Session(engine) as session:
        leased = [r for r in session.exec(select(OutboxMessage)) if r.lease_owner]
    engine.dispose()
    return code, seconds, len(leased)


CASES: list[tuple[str, Callable[[Path, list[Served]], Outcome]]] = [
    ("Socket Mode, Slack unreachable (retrying)", socket_unreachable),
    ("Socket Mode, connected, idle", socket_connected),
    ("Socket Mode, a delivery waiting for Slack", delivery_in_flight),
    ("HTTP mode, Slack unreachable (retrying)", http_unreachable),
    ("HTTP mode, serving, idle", http_serving),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (at most 10)")
    parser.add_argument("--time-limit", type=float, default=240.0, help="seconds in all")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the child processes are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runs = max(1, min(args.runs, 10))
    deadline = time.monotonic() + args.time_limit
    print(f"{'state at SIGTERM':45} {'median s':>9} {'max s':>7}  exit codes  leased rows left")
    for name, case in CASES:
        outcomes: list[Outcome] = []
        for _ in range(runs):
            if time.monotonic() > deadline:
                break
            outcomes.append(_run(case))
        if not outcomes:
            print(f"{name:45} (time limit reached)")
            continue
        seconds = [o[1] for o in outcomes]
        codes = ",".join(str(o[0]) for o in outcomes)
        leased = ",".join("-" if o[2] is None else str(o[2]) for o in outcomes)
        print(f"{name:45} {median(seconds):9.2f} {max(seconds):7.2f}  {codes:10}  {leased}")


def _run(case: Callable[[Path, list[Served]], Outcome]) -> Outcome:
    started: list[Served] = []
    with tempfile.TemporaryDirectory(prefix="warroom-stop-") as folder:
        try:
            return case(Path(folder), started)
        finally:
            for bot in started:  # also on error or Ctrl-C: no process outlives the script
                if bot.process.poll() is None:
                    bot.process.kill()
                    bot.process.wait(10)


if __name__ == "__main__":
    main()
