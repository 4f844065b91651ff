"""Where the request guard remembers the signed requests it let through, to drop replays.

Waiting on the database before every ack has a price: the ack leaves the event loop for a
thread and back, which under a burst costs several milliseconds per request (measured with
bench.ack_latency). So:

- PostgreSQL (several replicas): SharedSightings asks the table before the ack, since a replay
  may reach another replica. Sightings arriving together are written together.
- SQLite (one process, see DESIGN.md): LocalSightings decides from the process's memory, without
  leaving the event loop, and writes each sighting to the table after the acks waiting at the
  time (as follow-ups do); at its first use it reads back the sightings still within the
  window, so a restart forgets nothing but what it had not yet written.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.services import replays
from app.services.context import ServiceContext

log = logging.getLogger(__name__)

PRUNE_EVERY = 100  # sightings between two prunes of what has left the window


class ReplayMemory(Protocol):
    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        """Remember `key`; False if it was seen before (the request is a replay)."""
        ...


@dataclass
class _Sighting:
    key: str
    signed_at: datetime
    now: datetime
    answer: asyncio.Future[bool]


class SightingWriter:
    """Writes sightings to the table, those that arrive while a write is under way together in
    the next one: a burst of twenty costs a couple of transactions, not twenty in a row."""

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.ctx, self.window = ctx, window
        self._queue: list[_Sighting] = []
        self._writer: asyncio.Task[None] | None = None
        self._since_prune = PRUNE_EVERY  # the first write prunes what a restart left behind

    def write(self, key: str, signed_at: datetime, now: datetime) -> asyncio.Future[bool]:
        """Resolves to True if no replica had written `key` before."""
        answer = asyncio.get_running_loop().create_future()
        self._queue.append(_Sighting(key, signed_at, now, answer))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_queued())
        return answer

    @property
    def busy(self) -> bool:
        return self._writer is not None

    async def _write_queued(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._write(batch)
        finally:
            self._writer = None

    async def _write(self, batch: list[_Sighting]) -> None:
        pairs = [(s.key, s.signed_at) for s in batch]
        now = max(s.now for s in batch)
        try:
            new = await asyncio.to_thread(self._record, pairs, now)
        except Exception as exc:
            for sighting in batch:
                if not sighting.answer.done():
                    sighting.answer.set_exception(exc)
            return
        for sighting in batch:  # a key twice in one batch: only the first is new
            if not sighting.answer.done():
                sighting.answer.set_result(sighting.key in new)
            new.discard(sighting.key)

    def _record(self, pairs: list[tuple[str, datetime]], now: datetime) -> set[str]:
        new = replays.record_sightings(self.ctx, pairs, now)
        self._since_prune += len(pairs)
        if self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            replays.forget_older_than(self.ctx, self.window, now)
        return new


class SharedSightings:
    """Asks the table before the ack, so that a replay to another replica is dropped there."""

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.writer = SightingWriter(ctx, window)

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        return await self.writer.write(key, signed_at, now)


class MemorySightings:
    """In this process's memory only."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._seen: dict[str, datetime] = {}
        self._count = itertools.count()

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        if next(self._count) % PRUNE_EVERY == 0:
            self._seen = {k: t for k, t in self._seen.items() if t >= now - self.window}
        if key in self._seen:
            return False
        self._seen[key] = signed_at
        return True


class LocalSightings:
    """Memory decides; the table keeps it across restarts. For a database one process uses."""

    def __init__(
        self,
        ctx: ServiceContext,
        window: timedelta,
        track: Callable[[], AbstractContextManager[None]],
        quiet: Callable[[], Awaitable[bool]],
    ) -> None:
        self.ctx, self.window, self.track, self.quiet = ctx, window, track, quiet
        self.memory = MemorySightings(window)
        self.writer = SightingWriter(ctx, window)
        self._loaded: asyncio.Future[None] | None = None
        self._behind: set[asyncio.Task[None]] = set()

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        await self._load_once(now)
        if not await self.memory.first_sighting(key, signed_at, now):
            return False
        task = asyncio.create_task(self._write_behind(key, signed_at, now))
        self._behind.add(task)
        task.add_done_callback(self._behind.discard)
        return True

    async def _load_once(self, now: datetime) -> None:
        if self._loaded is None:
            self._loaded = asyncio.ensure_future(self._load(now))
        try:
            await asyncio.shield(self._loaded)
        except Exception:
            self._loaded = None  # the next request tries again
            raise

    async def _load(self, now: datetime) -> None:
        recent = await asyncio.to_thread(replays.recent_sightings, self.ctx, now - self.window)
        for key, signed_at in recent.items():
            await self.memory.first_sighting(key, signed_at, now)

    async def _write_behind(self, key: str, signed_at: datetime, now: datetime) -> None:
        with self.track():  # shutdown and tests wait for it
            await self.quiet()  # acks first (see ack_gate.py): this is work after the ack
            try:
                await self.writer.write(key, signed_at, now)
            except Exception as exc:  # memory still drops replays until the next restart
                log.warning("could not record a sighting (%s)", type(exc).__name__)
