"""The status page on PostgreSQL with two replicas: each serves the same page from its own
cache; a customer update published through one shows on the other within the recheck
interval, and on the one that published at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from app.persistence.tables import StatusPost
from app.web.status_routes import RECHECK_AFTER
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock
from tests.pg.replicas import Replica, settle_all
from tests.status_pages import (
    INTERNAL_TITLE,
    after_recheck,
    internal_words,
    status_config,
    visible_text,
)


@pytest.fixture
async def pair(
    fake: FakeSlack, pg_url: str, clock: FakeClock
) -> AsyncIterator[tuple[Replica, Replica]]:
    config = status_config()
    a = await Replica(fake, pg_url, config=config, clock=clock, seed=True).start()
    b = await Replica(fake, pg_url, config=config, clock=clock, seed=False).start()
    yield a, b
    await asyncio.gather(a.stop(), b.stop())


async def page(replica: Replica, path: str = "/status") -> str:
    response = await replica.http.get(path)
    assert response.status_code == 200, response.text
    return response.text


async def test_a_publication_reaches_the_page_of_every_replica(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    cache = b.app.status_cache
    assert cache is not None
    cache.recheck_after = 3600.0  # b holds on to what it has, for now
    before = await page(b)
    assert "All Systems Operational" in before

    await a.command(f"declare sev1 {INTERNAL_TITLE} --affects fraud-scorer")
    await settle_all(a, b)
    channel = str(a.incident_channel(1).id)
    await a.publish_update(channel, audiences=["technical", "customer"], impact="Payments slow")
    await settle_all(a, b)
    assert "Payments slow" in visible_text(await page(a))  # the publishing replica: at once
    assert await page(b) == before  # b serves from memory: no query per request

    cache.recheck_after = RECHECK_AFTER
    await after_recheck(b)  # b asks the database again a second after it last did
    shown = visible_text(await page(b))
    assert "Current incidents Service update Investigating · Major outage" in shown
    assert "What this means for you: Payments slow" in shown
    assert "Payments API Card authorisation Major outage" in shown
    assert (await b.http.get("/status.json")).json()["status"]["indicator"] == "critical"

    await b.command("resolve payments flow again", channel=channel)
    await settle_all(a, b)
    [resolution] = [p for p in b.rows(StatusPost) if p.kind == "resolution"]
    assert resolution.status == "resolved"
    await asyncio.gather(after_recheck(a), after_recheck(b))
    for replica in (a, b):
        text = visible_text(await page(replica))
        assert "All Systems Operational" in text and "Current incidents" not in text
        assert "has been resolved" in text and "Payments slow" in text  # in the history
        for word in internal_words([a.people.alice, "alice"]):
            assert word not in text, word
    assert await page(a, "/status.atom") == await page(b, "/status.atom")


async def test_the_page_reads_ninety_days_and_open_incidents_on_postgresql(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    await a.command(f"declare sev2 {INTERNAL_TITLE} --affects search-ranker")
    await settle_all(a, b)
    channel = str(a.incident_channel(1).id)
    await a.publish_update(channel, audiences=["customer"], impact="Search is slow")
    await settle_all(a, b)
    a.clock.advance(timedelta(days=120))  # open, and long ago
    await after_recheck(b)
    summary = (await b.http.get("/status.json")).json()
    [incident] = summary["incidents"]
    assert incident["status"] == "investigating"
    assert {c["name"]: c["status"] for c in summary["components"]}["Search"] == ("partial_outage")
