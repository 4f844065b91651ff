"""GET /metrics from two replicas on one PostgreSQL database: what describes the database is
the same on both, what happened in each process is its own, and a scrape never waits long
on a locked table."""

from __future__ import annotations

import time

import psycopg
from sqlalchemy import make_url

from app.persistence.tables import OutboxMessage
from tests.pg.replicas import Replica, settle_all
from tests.scrape import Scrape


async def scrape(replica: Replica) -> Scrape:
    answer = await replica.http.get("/metrics")
    assert answer.status_code == 200, answer.text
    return Scrape.parse(answer.text)


def delivered_rows(replica: Replica) -> int:
    """Rows carried out in Slack (not those skipped as superseded by a later one)."""
    rows = replica.rows(OutboxMessage)
    return sum(1 for r in rows if r.status == "sent" and not (r.result or {}).get("superseded"))


async def test_database_gauges_agree_and_process_counters_add_up(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("declare sev1 Fraud model precision dropped 15%")
    await b.command("declare sev2 Feature store serving stale values")
    await b.command("declare sev2 Ranking model latency doubled")
    await settle_all(a, b)

    seen = [await scrape(a), await scrape(b)]
    for scraped in seen:
        assert scraped.value("warroom_database_up") == 1
        assert scraped.value("warroom_incidents_active", severity="sev1") == 1
        assert scraped.value("warroom_incidents_active", severity="sev2") == 2
        assert scraped.total("warroom_outbox_rows") == 0
    acks = [s.value("warroom_ack_latency_seconds_count", transport="http") for s in seen]
    assert acks == [1, 2]  # each replica timed the requests it answered
    ok = sum(s.total("warroom_outbox_deliveries_total", result="ok") for s in seen)
    assert ok == delivered_rows(a)  # each delivery counted once, by the replica that made it

    a.fake.fail_next("chat.postMessage", status=429, retry_after=60)
    await a.command("note Rolled back the scorer", channel=a.incident_channel(1).id)
    await a.settle(advance_clock=False)
    await b.settle(advance_clock=False)
    for scraped in [await scrape(a), await scrape(b)]:
        assert scraped.value("warroom_outbox_rows", kind="post", state="pending") == 1
    limited = [
        s.value("warroom_outbox_deliveries_total", kind="post", result="rate_limited")
        for s in [await scrape(a), await scrape(b)]
    ]
    assert sorted(limited) == [0, 1]


async def test_a_scrape_does_not_wait_long_on_a_locked_outbox(
    replicas: tuple[Replica, Replica],
) -> None:
    a, _ = replicas
    await a.command("declare sev1 Fraud model precision dropped 15%")
    await a.settle()
    url = make_url(a.database_url)
    params = {**url.translate_connect_args(username="user", database="dbname"), **url.query}
    with psycopg.connect(**params) as locker:  # a migration holding the table, say
        locker.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        locked = await scrape(a)
        waited = time.monotonic() - started
        locker.rollback()
    assert locked.value("warroom_database_up") == 0
    assert waited < 5, waited  # the statement timeout (2 s), not forever
    assert locked.value("warroom_ack_latency_seconds_count", transport="http") == 1
    assert (await scrape(a)).value("warroom_database_up") == 1
