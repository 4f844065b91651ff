"""Where the request guard remembers the signed requests it let through, to drop replays."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import Protocol

from app.services import replays
from app.services.context import ServiceContext

PRUNE_EVERY = 100  # sightings between two prunes of expired rows


class ReplayMemory(Protocol):
    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        """Remember `key`; False if it was seen before (the request is a replay)."""
        ...


class StoredSightings:
    """In the database, so that a request replayed to another replica is dropped there too."""

    def __init__(self, ctx: ServiceContext, window: timedelta) -> None:
        self.ctx, self.window = ctx, window
        self._count = itertools.count()

    async def first_sighting(self, key: str, signed_at: datetime, now: datetime) -> bool:
        return await asyncio.to_thread(self._sight, key, signed_at, now)

    def _sight(self, key: str, signed_at: datetime, now: datetime) -> bool:
        first = replays.first_sighting(self.ctx, key, signed_at, now)
        if next(self._count) % PRUNE_EVERY == 0:
            replays.forget_older_than(self.ctx, self.window, now)
        return first


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
