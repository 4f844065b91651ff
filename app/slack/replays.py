"""Where the request guard remembers the signed requests it let through, to drop replays."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.services import replays
from app.services.context import ServiceContext

PRUNE_EVERY = 100  # sightings between two prunes of expired rows


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


class StoredSightings:
    """In the database, so that a request replayed to another replica is dropped there too.

    Every request waits for this before its ack, so sightings that arrive while a write is
    under way are written together in the next one: a burst of twenty requests costs a couple
    of transactions, not twenty queued one behind the other.
    """

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.ctx, self.window = ctx, window
        self._queue: list[_Sighting] = []
        self._writer: asyncio.Task[None] | None = None
        self._since_prune = PRUNE_EVERY  # the first write prunes what a restart left behind

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        answer = asyncio.get_running_loop().create_future()
        self._queue.append(_Sighting(key, signed_at, now, answer))
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


class MemorySightings:
    """In this process only: for a single process with no database (the benchmark's bare app)."""

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
