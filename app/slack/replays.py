"""Where the request guard remembers the signed requests it let through, to drop replays.

Waiting on the database before an ack has a price: the request leaves the event loop for a
thread and back, which on a busy loop costs several milliseconds (bench.ack_latency measured
roles p50 15 -> 22 ms with 20 in flight; the same hop with no query in it cost the same). So:

- PostgreSQL (several replicas): SharedSightings asks the table before the ack, since a replay
  may reach another replica. Sightings arriving together are written together.
- SQLite (one process, see DESIGN.md): LocalSightings decides from the process's memory without
  leaving the event loop, and writes the sightings to the table once the acks waiting at the
  time are out (as follow-ups do). At first use it reads back those still within the window,
  so a restart forgets only what it had not written yet.
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


class SightingTable:
    """seen_requests, written from a worker thread; pruned every PRUNE_EVERY sightings."""

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.ctx, self.window = ctx, window
        self._since_prune = PRUNE_EVERY  # the first write prunes what a restart left behind

    async def record(self, pairs: list[tuple[str, datetime]], now: datetime) -> set[str]:
        """Writes (key, signed_at) pairs; the keys no replica had written before."""
        return await asyncio.to_thread(self._record, pairs, now)

    async def recent(self, now: datetime) -> dict[str, datetime]:
        return await asyncio.to_thread(replays.recent_sightings, self.ctx, now - self.window)

    def _record(self, pairs: list[tuple[str, datetime]], now: datetime) -> set[str]:
        new = replays.record_sightings(self.ctx, pairs, now)
        self._since_prune += len(pairs)
        if self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            replays.forget_older_than(self.ctx, self.window, now)
        return new


@dataclass
class _Waiting:
    key: str
    signed_at: datetime
    now: datetime
    answer: asyncio.Future[bool]


class SharedSightings:
    """Asks the table before the ack. Sightings that arrive while a write is under way go into
    the next one: a burst of twenty costs a couple of transactions, not twenty in a row."""

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.table = SightingTable(ctx, window)
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        answer = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(key, signed_at, now, answer))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_queued())
        return await answer

    async def _write_queued(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._write(batch)
        finally:
            self._writer = None

    async def _write(self, batch: list[_Waiting]) -> None:
        pairs = [(w.key, w.signed_at) for w in batch]
        try:
            new = await self.table.record(pairs, max(w.now for w in batch))
        except Exception as exc:
            for waiting in batch:
                if not waiting.answer.done():
                    waiting.answer.set_exception(exc)
            return
        for waiting in batch:  # a key twice in one batch: only the first is new
            if not waiting.answer.done():
                waiting.answer.set_result(waiting.key in new)
            new.discard(waiting.key)


class MemorySightings:
    """In this process's memory only."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._seen: dict[str, datetime] = {}
        self._count = itertools.count()

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        return self.sight(key, signed_at, now)

    def sight(self, key: str, signed_at: datetime, now: datetime) -> bool:
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
        after_acks: Callable[[], Awaitable[object]],
    ) -> None:
        self.table = SightingTable(ctx, window)
        self.memory = MemorySightings(window)
        self.track, self.after_acks = track, after_acks
        self._loaded: asyncio.Future[None] | None = None
        self._unwritten: list[tuple[str, datetime]] = []
        self._writer: asyncio.Task[None] | None = None
        self._now = datetime.min

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        await self._load_once(now)
        if not self.memory.sight(key, signed_at, now):
            return False
        self._unwritten.append((key, signed_at))
        self._now = now
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_unwritten())
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
        for key, signed_at in (await self.table.recent(now)).items():
            self.memory.sight(key, signed_at, now)

    async def _write_unwritten(self) -> None:
        with self.track():  # shutdown and tests wait for it
            try:
                while self._unwritten:
                    await self.after_acks()
                    batch, self._unwritten = self._unwritten, []
                    await self.table.record(batch, self._now)
            except Exception as exc:  # memory still drops replays until a restart
                log.warning("could not record sightings (%s)", type(exc).__name__)
            finally:
                self._writer = None
