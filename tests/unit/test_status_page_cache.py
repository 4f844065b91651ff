"""The status page's cache: rendered once per version, the database asked at most once per
interval (at once after a local publication), the last page kept when the database fails."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from app.rendering.status_page import Rendered
from app.services.status_page import Version
from app.web.status_routes import StatusPageCache

DAY = date(2026, 11, 22)


class Database:
    def __init__(self) -> None:
        self.newest = 1
        self.down = False
        self.versions = self.loads = 0

    def version(self) -> Version:
        self.versions += 1
        if self.down:
            raise ConnectionError("no answer")
        return self.newest, DAY

    def load(self) -> tuple[Version, Rendered]:
        self.loads += 1
        if self.down:
            raise ConnectionError("no answer")
        body = f"page {self.newest}".encode()
        return (self.newest, DAY), Rendered(body, body, body, body, body)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def parts() -> tuple[Database, Clock, StatusPageCache]:
    db, clock = Database(), Clock()
    return db, clock, StatusPageCache(db.version, db.load, recheck_after=1.0, monotonic=clock)


async def test_many_requests_one_rendering(parts: tuple[Database, Clock, StatusPageCache]) -> None:
    db, clock, cache = parts
    pages = await asyncio.gather(*(cache.current() for _ in range(50)))
    assert {p.rendered.html for p in pages} == {b"page 1"} and db.loads == 1
    clock.now += 0.5
    await cache.current()
    assert (db.versions, db.loads) == (0, 1)  # within the interval: not even asked


async def test_another_replicas_publication_is_seen_after_the_interval(
    parts: tuple[Database, Clock, StatusPageCache],
) -> None:
    db, clock, cache = parts
    await cache.current()
    db.newest = 2  # published elsewhere
    assert (await cache.current()).rendered.html == b"page 1"
    clock.now += 1.0  # requests keep coming: this one is not kept waiting for the check
    assert (await cache.current()).rendered.html == b"page 1"
    await cache.settled()
    assert (await cache.current()).rendered.html == b"page 2"
    clock.now += 1.0
    await cache.current()
    await cache.settled()
    assert (db.versions, db.loads) == (2, 2)  # unchanged version: asked, not rendered again
    db.newest = 3
    clock.now += 2.0  # after a quiet spell the request waits for the check
    assert (await cache.current()).rendered.html == b"page 3"


async def test_a_local_publication_is_seen_at_once(
    parts: tuple[Database, Clock, StatusPageCache],
) -> None:
    db, _, cache = parts
    await cache.current()
    db.newest = 2
    cache.invalidate()
    assert (await cache.current()).rendered.html == b"page 2"


async def test_the_last_page_outlives_the_database(
    parts: tuple[Database, Clock, StatusPageCache],
) -> None:
    db, clock, cache = parts
    db.down = True
    with pytest.raises(ConnectionError):
        await cache.current()  # nothing to fall back on: the route answers 503
    db.down = False
    await cache.current()
    db.down, db.newest = True, 2
    clock.now += 5
    assert (await cache.current()).rendered.html == b"page 1"
    clock.now += 1.5
    assert (await cache.current()).rendered.html == b"page 1"
    await cache.settled()
    versions = db.versions
    await cache.current()
    assert db.versions == versions  # not asked again until the interval has passed
