"""A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) for the alert tests.

It listens on 127.0.0.1 on a free port, without clustering, keeps its state in a temporary
folder, and sends every alert to one webhook (Warroom's) with a bearer token, grouping by
alertname with short waits so a test sees notifications within a second or two:
- group_wait: how long a new group waits before its first notification;
- group_interval: between notifications of a group whose alerts changed (a resolve);
- repeat_interval: before the same firing alerts are sent again.
Alerts are posted to Alertmanager's own API (POST /api/v2/alerts), as Prometheus does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
NAMES = ("prometheus-alertmanager", "alertmanager")  # Debian's name, upstream's name


def alertmanager_executable() -> str | None:
    """WARROOM_ALERTMANAGER_BIN if set, else Debian's or upstream's binary on the PATH."""
    chosen = os.environ.get("WARROOM_ALERTMANAGER_BIN")
    if chosen:
        return chosen
    for name in NAMES:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None
        )
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Timing:
    group_wait: str = "200ms"
    group_interval: str = "1s"
    repeat_interval: str = "1h"  # a test that wants repeats makes it short


def config(webhook_url: str, token: str, timing: Timing) -> dict[str, Any]:
    """The configuration: every alert to Warroom's webhook, authenticated."""
    return {
        "route": {
            "receiver": "warroom",
            "group_by": ["alertname"],
            "group_wait": timing.group_wait,
            "group_interval": timing.group_interval,
            "repeat_interval": timing.repeat_interval,
        },
        "receivers": [
            {
                "name": "warroom",
                "webhook_configs": [
                    {
                        "url": webhook_url,
                        "send_resolved": True,
                        "http_config": {
                            "authorization": {"type": "Bearer", "credentials": token},
                        },
                    }
                ],
            }
        ],
    }


class Alertmanager:
    """One `alertmanager` process: start() waits until /-/ready answers, stop() ends it."""

    def __init__(
        self,
        executable: str,
        folder: Path,
        webhook_url: str,
        token: str,
        timing: Timing | None = None,
    ) -> None:
        self.executable = executable
        self.folder = folder
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.started_in: float | None = None  # seconds from launch to ready
        self._config = config(webhook_url, token, timing or Timing())
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            self.executable,
            f"--config.file={self.folder / 'alertmanager.yml'}",
            f"--web.listen-address={HOST}:{self.port}",
            "--cluster.listen-address=",  # no gossip port: one instance
            f"--storage.path={self.folder / 'data'}",
            "--log.level=info",
        ]

    def start(self, timeout: float = 30.0) -> None:
        # JSON is YAML: no YAML writer needed for the configuration file.
        (self.folder / "alertmanager.yml").write_text(json.dumps(self._config, indent=2))
        log = (self.folder / "alertmanager.log").open("wb")
        began = time.monotonic()
        try:
            self._process = subprocess.Popen(
                self.command(), cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        except OSError as exc:
            raise RuntimeError(f"cannot run {self.executable}: {exc}") from None
        finally:
            log.close()
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() - began > timeout:
                self.stop()
                raise RuntimeError(f"alertmanager did not start:\n{self.log_tail()}")
            time.sleep(0.02)
        self.started_in = time.monotonic() - began

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 30) -> str:
        path = self.folder / "alertmanager.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # --- what Prometheus does -------------------------------------------------------------------

    def post_alert(
        self,
        labels: Mapping[str, str],
        annotations: Mapping[str, str] | None = None,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> None:
        """POST /api/v2/alerts with one alert. An `ends_at` in the past resolves it."""
        alert: dict[str, Any] = {
            "labels": dict(labels),
            "annotations": dict(annotations or {}),
            "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=precision",
        }
        if starts_at is not None:
            alert["startsAt"] = _rfc3339(starts_at)
        if ends_at is not None:
            alert["endsAt"] = _rfc3339(ends_at)
        response = httpx.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=10)
        response.raise_for_status()

    def resolve(
        self, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
    ) -> None:
        """What Prometheus sends once a rule stops firing: the alert, ended a moment ago."""
        self.post_alert(labels, annotations, ends_at=datetime.now(UTC) - timedelta(seconds=1))

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts: the alerts Alertmanager holds, with their fingerprints."""
        response = httpx.get(f"{self.url}/api/v2/alerts", timeout=10)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
