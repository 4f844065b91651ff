"""Clients that never came from Slack, for bench.ack_under_attack. Each talks raw HTTP/1.1 over
a socket of its own, since an HTTP client library would not send half a request and wait."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from pathlib import Path

from bench._common import HOST

BIG_BODY = 40 * 1024 * 1024  # bytes: the unsigned POST
CHUNK = b"x" * (256 * 1024)
FORM = "application/x-www-form-urlencoded"
EARLY_ANSWER = 0.2  # seconds to wait for an answer to the headers before sending the body
PACE = 0.05  # seconds between two big POSTs, so a server that refuses at once is not flooded


def request_head(content_length: int, **headers: str) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", f"Host: {HOST}", f"Content-Length: {content_length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def status_of(line: bytes) -> str:
    parts = line.split()
    return parts[1].decode() if len(parts) > 1 else "hung up"


async def big_unsigned_post(port: int) -> tuple[str, float]:
    """One 40 MB unsigned form POST; the answer's status and the seconds until it came. The
    body goes out once the server has not answered the headers alone within EARLY_ANSWER
    (a refusal that comes while the body is being written is often lost to a reset)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    answer = asyncio.ensure_future(reader.readline())
    try:
        writer.write(request_head(BIG_BODY, **{"Content-Type": FORM}))
        await asyncio.wait({answer}, timeout=EARLY_ANSWER)
        await _send_body(writer, answer)
        line = await asyncio.wait_for(answer, 60)
    except (ConnectionError, TimeoutError) as exc:
        answer.cancel()
        return type(exc).__name__, time.perf_counter() - started
    finally:
        writer.close()
    return status_of(line), time.perf_counter() - started


async def _send_body(writer: asyncio.StreamWriter, answer: asyncio.Future[bytes]) -> None:
    sent = 0
    while sent < BIG_BODY and not answer.done():
        piece = b"payload=" if sent == 0 else CHUNK[: BIG_BODY - sent]
        writer.write(piece)
        await writer.drain()
        sent += len(piece)


class BigPosts:
    """One 40 MB unsigned POST in flight at a time, the next one PACE after each answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.answers: Counter[str] = Counter()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            status, _ = await big_unsigned_post(self.port)
            self.answers[status] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PACE)


class IdlePartialPosts:
    """Headers and the first bytes of a signed-looking body, then silence; when the server
    hangs up, another one opens. Closed at the end of the phase."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.answers: Counter[str] = Counter()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            reader, writer = await asyncio.open_connection(HOST, self.port)
            try:
                headers = {
                    "Content-Type": FORM,
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                    "X-Slack-Signature": "v0=" + "0" * 64,
                }
                writer.write(request_head(4096, **headers) + b"command=%2Fincident&text=")
                await writer.drain()
                await self._until_answered_or(stop, reader)
            finally:
                writer.close()

    async def _until_answered_or(self, stop: asyncio.Event, reader: asyncio.StreamReader) -> None:
        answer = asyncio.ensure_future(reader.readline())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({answer, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if answer.done():
            self.answers[status_of(answer.result()) if not answer.exception() else "reset"] += 1
        else:
            answer.cancel()
            self.answers["still open at the end of the phase"] += 1


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident set size, its peak since start) of a process, in MB (Linux /proc)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]
