"""PostgreSQL fixtures: a fresh database per test, and Warroom replicas sharing it.

The server comes from WARROOM_TEST_POSTGRES_URL. When it cannot be reached the tests are
skipped, unless WARROOM_REQUIRE_POSTGRES=1 (as in CI), which turns that into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, make_url

from app.config import WarroomConfig
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.services.context import ServiceContext
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock
from tests.pg.replicas import Replica, StartReplica

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _server_url() -> URL:
    return make_url(os.environ.get("WARROOM_TEST_POSTGRES_URL", DEFAULT_SERVER))


def _connect(url: URL) -> psycopg.Connection:
    params = {**url.translate_connect_args(username="user", database="dbname"), **url.query}
    return psycopg.connect(make_conninfo(**params), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def pg_server() -> URL:
    """The PostgreSQL server, checked once per session: skip without it, or fail in CI."""
    server = _server_url()
    try:
        _connect(server).close()
    except psycopg.Error as exc:
        problem = f"PostgreSQL at {server.render_as_string(hide_password=True)}: {exc}"
    else:
        return server
    if os.environ.get("WARROOM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"WARROOM_REQUIRE_POSTGRES=1 but unreachable: {problem}", pytrace=False)
    pytest.skip(f"unreachable: {problem}")


@pytest.fixture
def pg_url(pg_server: URL) -> Iterator[str]:
    """A SQLAlchemy URL to a brand-new, empty database, dropped after the test."""
    name = f"warroom_{uuid.uuid4().hex}"
    with _connect(pg_server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield pg_server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _connect(pg_server) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))


@pytest.fixture
def migrated_url(pg_url: str) -> str:
    """The fresh database with Warroom's schema applied."""
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return pg_url


@pytest.fixture
def clock() -> FakeClock:
    """One clock for every replica of a test, so leases and due times agree. It starts at the
    real time so that the app's clock and the fake Slack's message timestamps agree too."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def contexts(migrated_url: str, clock: FakeClock) -> Iterator[list[ServiceContext]]:
    """Two ServiceContexts, each with its own engine, as two processes would have."""
    made = [
        ServiceContext(Database(make_engine(migrated_url)), WarroomConfig(), clock)
        for _ in range(2)
    ]
    yield made
    for ctx in made:
        ctx.db.engine.dispose()


@pytest.fixture
async def start_replica(
    fake: FakeSlack, pg_url: str, clock: FakeClock
) -> AsyncIterator[StartReplica]:
    """Starts Warroom replicas on one fake Slack, one PostgreSQL database and one clock (the
    first one seeds the workspace); all of them are stopped after the test."""
    started: list[Replica] = []

    async def start() -> Replica:
        replica = await Replica(fake, pg_url, clock=clock, seed=not started).start()
        started.append(replica)
        return replica

    yield start
    await asyncio.gather(*(replica.stop() for replica in started))


@pytest.fixture
async def replicas(start_replica: StartReplica) -> tuple[Replica, Replica]:
    """Two running Warroom replicas sharing everything but their process."""
    return await start_replica(), await start_replica()
