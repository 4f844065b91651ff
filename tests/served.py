"""`python -m app serve` in a subprocess, and the states it is stopped in: shared by
tests/test_serve_lifecycle.py and bench/stop_time.py."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import SIGNING_SECRET, Warroom, free_port

ROOT = Path(__file__).resolve().parent.parent
ATTEMPT = re.compile(r"Slack did not answer .*; attempt (\d+) failed, trying again in")
HANG = 20.0  # seconds after SIGTERM after which a process is called hung (and killed)


class Served:
    """`python -m app serve …` in a subprocess, its stderr collected line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *args],
            env={**clean, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"never saw {what}; log:\n{self.output}")
            time.sleep(0.02)

    def terminate(self, timeout: float = HANG) -> tuple[int | None, float]:
        """SIGTERM; (exit code, seconds it took), or (None, …) if it did not stop in time."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        return self.finish(timeout), time.monotonic() - started

    def finish(self, timeout: float) -> int | None:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            code = None
        self._reader.join(5)
        return code


def unreachable_env(tmp_path: Path) -> dict[str, str]:
    """Tokens of the right shape, and a Slack API URL where nothing listens."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-1-unreachable",
        "SLACK_APP_TOKEN": "xapp-1-unreachable",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }


def fake_env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "WARROOM_DATABASE_URL": database_url,
    }


def wait_healthy(port: int, served: Served) -> None:
    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    served.wait_for(healthy, 30, "GET /healthz answer 200")


def stop_with_a_delivery_in_flight(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> tuple[int | None, float, Served]:
    """Socket Mode connected to the fake; SIGTERM while a declaration's channel is created in
    Slack but Slack's answer has not come back yet."""
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    bot = Served(fake_env(fake, sqlite_url))
    served.append(bot)
    fake.socket_connected(timeout=30)
    hello = slack_requests.slash_command_payload("help", user_id=seeded.people.alice)
    fake.wait_for_ack(fake.send_envelope("slash_commands", hello), timeout=10)

    fake.response_delay = 30.0  # Slack acts on each call, but its answers come back late
    declare = slack_requests.slash_command_payload(
        "declare sev1 Fraud model precision dropped 15%",
        user_id=seeded.people.alice,
        channel_id=seeded.general,
        response_url=fake.new_response_url(),
        trigger_id=fake.issue_trigger_id(),
    )
    fake.send_envelope("slash_commands", declare)
    fake.wait_for(lambda: fake.channel_by_name("inc-1-fraud-model-precision-dropped-15"), 15)
    code, seconds = bot.terminate()
    return code, seconds, bot
