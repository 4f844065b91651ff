"""Acks first: follow-up work waits while requests are still waiting for their ack.

Slack gives an app 3 seconds to ack; the work after the ack has no such deadline. Under a burst
(twenty people typing `/incident` at once during a major incident) every follow-up competes
with the acks still queued on the same event loop. Follow-ups and outbox deliveries therefore
start once no other request is waiting for its ack. Under a steady stream of requests that
never happens, so after MAX_WAIT a held-back follow-up goes anyway, one at a time: requests
can slow follow-ups down but never starve them.

The gate also times each ack, from the moment the request was received (`on_ack`: /metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

MAX_WAIT = 0.25  # seconds a follow-up may be held back
FOLLOW_UPS_AT_ONCE = 8  # follow-ups running together while no ack is waiting
CONTEXT_KEY = "ack_gate_token"  # where a request's token travels in Bolt's context


class _Waiting:
    """A request waiting for its ack, and when it was received (time.perf_counter)."""

    __slots__ = ("received",)

    def __init__(self, received: float) -> None:
        self.received = received


class AckGate:
    def __init__(
        self,
        max_wait: float = MAX_WAIT,
        at_once: int = FOLLOW_UPS_AT_ONCE,
        on_ack: Callable[[float], None] | None = None,
    ) -> None:
        self.max_wait = max_wait
        self.on_ack = on_ack  # told each ack's latency in seconds
        self._waiting: set[object] = set()
        self._changed = asyncio.Condition()
        self._slots = asyncio.Semaphore(at_once)
        self._trickle = asyncio.Lock()  # held-back work released under pressure, one at a time

    @property
    def waiting_for_ack(self) -> int:
        return len(self._waiting)

    def arrived(self, received: float | None = None) -> object:
        """A request came in (at `received`, time.perf_counter; default now); the token is
        released by acked() once its response is out."""
        token = _Waiting(time.perf_counter() if received is None else received)
        self._waiting.add(token)
        return token

    async def acked(self, token: object) -> None:
        self._waiting.discard(token)
        if self.on_ack is not None and isinstance(token, _Waiting):
            self.on_ack(time.perf_counter() - token.received)
        async with self._changed:
            self._changed.notify_all()

    async def quiet(self, mine: object | None = None) -> bool:
        """Wait until no request but `mine` waits for its ack (True), or max_wait (False)."""
        if self._waiting <= {mine}:
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.max_wait), self._changed:
                await self._changed.wait_for(lambda: self._waiting <= {mine})
                return True
        return False

    async def follow_up(
        self, work: Callable[[], Awaitable[None]], mine: object | None = None
    ) -> None:
        """Run work once the acks in front of it are out, a bounded number at a time. `mine` is
        the request's own token: it has acked, so it does not hold its own follow-up back."""
        async with self._slots:
            if await self.quiet(mine):
                await work()
                return
            async with self._trickle:
                await work()
