"""Helpers shared by the benchmark scripts: statistics, ports, child processes."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # every benchmark talks to this address only
SIGNING_SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-token"
# A post_burst this large means the fake never answers chat.postMessage with a 429.
NO_RATE_LIMIT = 10**9


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Child:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        cpus: Iterable[int] | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("wb")
        cpu_set = set(cpus) if cpus is not None else None

        def pin() -> None:  # runs in the child between fork and exec
            if cpu_set:
                os.sched_setaffinity(0, cpu_set)

        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=pin if cpu_set else None,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process (all its threads) has used; None off Linux."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(
                f"{self.name} (pid {self.pid}) exited with {self.proc.returncode}:\n{self.tail()}"
            )

    def tail(self, lines: int = 30) -> str:
        if not self._log.closed:
            self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def wait_for_file(path: Path, child: Child, timeout: float = 30.0) -> dict[str, Any]:
    """The JSON a child writes (atomically) once it is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.check()
        if path.exists():
            return dict(json.loads(path.read_text()))
        time.sleep(0.02)
    raise TimeoutError(f"{child.name} did not become ready in {timeout:.0f}s:\n{child.tail()}")


def wait_healthy(base_url: str, child: Child, timeout: float = 30.0) -> None:
    """Poll GET /healthz until it answers 200."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            child.check()
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise TimeoutError(f"{child.name} did not answer /healthz in {timeout:.0f}s:\n{child.tail()}")


def machine_busy_seconds() -> float | None:
    """CPU seconds all CPUs have spent not idle since boot (Linux /proc/stat); None elsewhere."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """How much CPU processes other than ours used while a benchmark ran (shared machines)."""

    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self._start = self._sample()
        self._started = time.monotonic()

    def _sample(self) -> tuple[float, float] | None:
        busy = machine_busy_seconds()
        ours = [c.cpu_seconds() for c in self.children]
        if busy is None or any(v is None for v in ours):
            return None
        return busy, time.process_time() + sum(v for v in ours if v is not None)

    def describe(self) -> str:
        end = self._sample()
        if self._start is None or end is None:
            return "CPU used by other processes: unknown (no /proc)"
        wall = time.monotonic() - self._started
        other = max(0.0, (end[0] - self._start[0]) - (end[1] - self._start[1]))
        cpus = os.cpu_count() or 1
        share = other / (wall * cpus) * 100 if wall else 0.0
        return (
            f"CPU used outside the benchmark's processes meanwhile: {other:.1f} CPU-s over "
            f"{wall:.1f} s ({share:.0f}% of {cpus} CPUs: other programs, and the kernel's "
            "loopback networking; noise when well above a few %)"
        )


def write_json_atomically(path: Path, data: Any) -> None:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(json.dumps(data))
    partial.replace(path)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"
