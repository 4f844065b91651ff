"""Fake Socket Mode endpoint (``/socket-mode``) served by :class:`FakeSlack`'s aiohttp app.

Speaks what ``slack_sdk.socket_mode`` clients expect: a ``hello`` on connect, automatic PONGs
to PINGs, envelopes ``{"envelope_id", "type", "payload", "accepts_response_payload"}`` sent to
the app, and acks ``{"envelope_id", "payload"?}`` sent back by the app.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

from aiohttp import WSMsgType, web

ENVELOPE_TYPES = {"slash_commands", "interactive", "events_api"}


class SocketModeHub:
    """Connections, envelopes and acks of the fake Socket Mode endpoint (thread-safe)."""

    def __init__(self, lock: threading.RLock, tickets: set[str], app_id: str) -> None:
        self._lock = lock
        self._tickets = tickets
        self._app_id = app_id
        self._connections: list[web.WebSocketResponse] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._opened = 0
        self.received: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- server side (runs on the fake's event loop) -----------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            valid = request.query.get("ticket") in self._tickets
        if not valid:
            return web.Response(status=401, text="invalid or missing ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._connections.append(ws)
            self._opened += 1
            count = len(self._connections)
        try:
            await ws.send_json(self._hello(count))
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            with self._lock:
                self._connections.remove(ws)
        return ws

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "fake-slack-socket-mode",
                "build_number": 1,
                "approximate_connection_time": 3600,
            },
            "connection_info": {"app_id": self._app_id},
        }

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except json.JSONDecodeError:
            message = {"unparsed": data}
        with self._lock:
            self.received.append(message)
            if isinstance(message, dict) and "envelope_id" in message:
                self._acks[message["envelope_id"]] = message

    async def close_all(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for ws in connections:
            await ws.close()

    # -- test side (any thread but the fake's own) -------------------------------------------

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    @property
    def connections_opened(self) -> int:
        """How many connections were ever accepted (a reconnect counts once it is open)."""
        with self._lock:
            return self._opened

    def ack(self, envelope_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._acks.get(envelope_id)

    def send(self, message: dict[str, Any], *, timeout: float = 5.0) -> None:
        """Send ``message`` to the most recent connection; raises if nobody is connected."""
        with self._lock:
            if not self._connections:
                raise RuntimeError("no Socket Mode client is connected to the fake")
            ws = self._connections[-1]
            self.sent.append(message)
        if self.loop is None:
            raise RuntimeError("the fake is not running")
        future = asyncio.run_coroutine_threadsafe(ws.send_json(message), self.loop)
        future.result(timeout)


def build_envelope(
    type_: str,
    payload: dict[str, Any],
    *,
    accepts_response_payload: bool | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """A Socket Mode envelope as Slack sends it; ``accepts_response_payload`` defaults like
    Slack's (true for slash commands and interactivity, false for Events API)."""
    if type_ not in ENVELOPE_TYPES:
        raise ValueError(f"unknown envelope type {type_!r}; expected one of {ENVELOPE_TYPES}")
    if accepts_response_payload is None:
        accepts_response_payload = type_ != "events_api"
    envelope: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "type": type_,
        "payload": payload,
        "accepts_response_payload": accepts_response_payload,
    }
    if type_ == "events_api":
        envelope["retry_attempt"] = retry_attempt
        envelope["retry_reason"] = retry_reason
    return envelope
