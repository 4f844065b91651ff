"""How long the tests' Alertmanager takes to start, to pass an alert on, and to stop.

    python -m bench.alertmanager_start [--runs 3]

Each run starts Alertmanager exactly as the test fixture does (tests/alertmanager.py: a fresh
temporary folder, 127.0.0.1, no cluster, group_wait 200 ms, group_interval 1 s), with its
webhook pointed at a small receiver in this process. It times launch to ready (/-/ready),
POST /api/v2/alerts to the firing notification's arrival, the resolve to the resolved
notification's arrival, and SIGTERM to exit. Prints the figures, asserts nothing; every
Alertmanager is stopped on the way out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench._common import HOST, median
from tests.alertmanager import Alertmanager, alertmanager_executable

TOKEN = "bench-alerts-token"
LABELS = {"alertname": "ModelPrecisionDrop", "model": "fraud-scorer", "severity": "critical"}


class Receiver:
    """A webhook receiver: the time each notification's alert statuses arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                ok = self.headers.get("authorization") == f"Bearer {TOKEN}"
                for alert in json.loads(body).get("alerts", []) if ok else []:
                    receiver.arrivals.append((time.monotonic(), alert["status"]))
                receiver.event.set()
                self.send_response(200 if ok else 401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/alerts/alertmanager"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, status: str, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, seen in self.arrivals:
                if seen == status:
                    return arrived
            self.event.wait(0.05)
            self.event.clear()
        raise TimeoutError(f"no {status} notification in {timeout:.0f} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def one_run(executable: str) -> tuple[float, float, float, float]:
    receiver = Receiver()
    try:
        with tempfile.TemporaryDirectory() as folder:
            manager = Alertmanager(executable, Path(folder), receiver.url, TOKEN)
            try:
                manager.start()
                posted = time.monotonic()
                manager.post_alert(LABELS, {"summary": "precision fell to 0.71"})
                firing = receiver.wait_for("firing") - posted
                posted = time.monotonic()
                manager.resolve(LABELS)
                resolved = receiver.wait_for("resolved") - posted
            finally:
                stopping = time.monotonic()
                manager.stop()
            assert manager.started_in is not None
            return manager.started_in, firing, resolved, time.monotonic() - stopping
    finally:
        receiver.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = max(1, min(parser.parse_args().runs, 10))
    executable = alertmanager_executable()
    if executable is None:
        print("no Alertmanager: apt-get install prometheus-alertmanager")
        return 1
    print(f"alertmanager: {executable}")
    figures = []
    for number in range(1, runs + 1):
        figure = one_run(executable)
        figures.append(figure)
        start, firing, resolved, stop = figure
        print(
            f"run {number}: ready {start:.2f} s, alert → webhook {firing * 1000:.0f} ms, "
            f"resolve → webhook {resolved * 1000:.0f} ms, stop {stop:.2f} s"
        )
    starts, firings, resolves, stops = zip(*figures, strict=True)
    print(
        f"median of {runs}: ready {median(starts):.2f} s, alert → webhook "
        f"{median(firings) * 1000:.0f} ms, resolve → webhook {median(resolves) * 1000:.0f} ms, "
        f"stop {median(stops):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
