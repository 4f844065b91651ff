"""GET /metrics on the real HTTP app, read with prometheus_client's parser: each number moves
when the thing it counts really happens (signed Slack requests, the fake Slack's 429s, the
fake clock, alert webhooks)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.persistence.tables import OutboxMessage
from tests.alert_bodies import alertmanager
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, Warroom
from tests.scrape import Scrape

BUSINESS = {"audience": "business", "automatic": "true"}


async def scrape(warroom: Warroom, **headers: str) -> Scrape:
    answer = await warroom.http.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return Scrape.parse(answer.text)


async def test_active_incidents_follow_declaring_and_resolving(warroom: Warroom) -> None:
    before = await scrape(warroom)
    assert before.types["warroom_incidents_active"] == "gauge"
    assert [before.value("warroom_incidents_active", severity=s) for s in ("sev1", "sev2")] == [
        0,
        0,
    ]

    await warroom.command("declare sev1 Fraud model precision dropped 15%")
    await warroom.command("declare sev2 Feature store serving stale values")
    await warroom.settle()
    declared = await scrape(warroom)
    assert declared.value("warroom_incidents_active", severity="sev1") == 1
    assert declared.value("warroom_incidents_active", severity="sev2") == 1
    assert declared.value("warroom_database_up") == 1

    await warroom.command("resolve Rolled back to v41", channel=warroom.incident_channel(1).id)
    await warroom.settle()
    resolved = await scrape(warroom)
    assert resolved.value("warroom_incidents_active", severity="sev1") == 0
    assert resolved.value("warroom_incidents_active", severity="sev2") == 1


async def test_every_ack_over_http_is_timed(warroom: Warroom) -> None:
    before = await scrape(warroom)
    assert before.total("warroom_ack_latency_seconds_count") == 0

    replies = [await warroom.command("help") for _ in range(3)]
    after = await scrape(warroom)
    assert after.types["warroom_ack_latency_seconds"] == "histogram"
    assert after.value("warroom_ack_latency_seconds_count", transport="http") == 3
    timed = after.value("warroom_ack_latency_seconds_sum", transport="http")
    assert 0 < timed <= sum(r.seconds for r in replies)  # measured inside each request
    under_3s = after.value("warroom_ack_latency_seconds_bucket", transport="http", le="3.0")
    assert under_3s == 3


async def test_a_429_from_slack_is_counted_as_rate_limited_then_ok(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    before = await scrape(warroom)
    assert before.types["warroom_outbox_deliveries"] == "counter"
    posts_ok = before.value("warroom_outbox_deliveries_total", kind="post", result="ok")
    assert posts_ok > 0  # kickoff, announcement, confirmation…
    assert before.value("warroom_outbox_deliveries_total", kind="post", result="rate_limited") == 0

    warroom.fake.fail_next("chat.postMessage", status=429, retry_after=2)
    await warroom.command("note Precision back above 0.8", channel=warroom.incident_channel().id)
    await warroom.settle()  # the retry after Retry-After is fast-forwarded
    after = await scrape(warroom)
    assert after.value("warroom_outbox_deliveries_total", kind="post", result="rate_limited") == 1
    assert after.value("warroom_outbox_deliveries_total", kind="post", result="ok") > posts_ok
    assert after.total("warroom_outbox_deliveries_total", result="failed") == 0
    assert after.total("warroom_outbox_rows", state="pending") == 0


async def test_outbox_rows_waiting_in_flight_and_given_up(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    channel = warroom.incident_channel().id

    # Waiting: Slack asked for a minute's pause, and the clock has not moved.
    warroom.fake.fail_next("chat.postMessage", status=429, retry_after=60)
    await warroom.command("note Rolled back the scorer", channel=channel)
    await warroom.settle(advance_clock=False)
    waiting = await scrape(warroom)
    assert waiting.value("warroom_outbox_rows", kind="post", state="pending") == 1
    assert waiting.value("warroom_outbox_rows", kind="post", state="leased") == 0
    await warroom.settle()

    # In flight: Slack posted the message, its answer is slow to come back.
    warroom.fake.response_delay = 1.5
    await warroom.command("note Retraining started", channel=channel)
    await warroom.fake.async_wait_for(
        lambda: "Retraining started" in "".join(warroom.texts(channel))
    )
    in_flight = await scrape(warroom)
    assert in_flight.value("warroom_outbox_rows", kind="post", state="leased") == 1
    warroom.fake.response_delay = 0
    await warroom.settle()

    # Given up: Slack refused for good.
    warroom.fake.fail_next("chat.postMessage", error="is_archived")
    await warroom.command("note Archived by mistake?", channel=channel)
    await warroom.settle()
    dead = await scrape(warroom)
    assert dead.value("warroom_outbox_rows", kind="post", state="dead") == 1
    assert dead.value("warroom_outbox_deliveries_total", kind="post", result="failed") == 1
    assert dead.total("warroom_outbox_rows", state="pending") == 0
    dead_rows = [r for r in warroom.rows(OutboxMessage) if r.status == "dead"]
    assert len(dead_rows) == 1


async def test_a_cadence_update_sent_late_is_measured_by_how_late(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")  # an update every 30 min
    await warroom.settle()
    assert (await scrape(warroom)).total("warroom_update_lateness_seconds_count") == 0

    await warroom.tick(30)  # due now, sent now
    on_time = await scrape(warroom)
    assert on_time.value("warroom_update_lateness_seconds_count", **BUSINESS) == 1
    assert on_time.value("warroom_update_lateness_seconds_bucket", le="0.0", **BUSINESS) == 1

    await warroom.tick(45)  # the scheduler was away: due at 30 min, sent at 45
    late = await scrape(warroom)
    assert late.value("warroom_update_lateness_seconds_count", **BUSINESS) == 2
    assert late.value("warroom_update_lateness_seconds_sum", **BUSINESS) == 15 * 60
    assert late.value("warroom_update_lateness_seconds_bucket", le="600.0", **BUSINESS) == 1
    assert late.value("warroom_update_lateness_seconds_bucket", le="1800.0", **BUSINESS) == 2
    technical = late.value(
        "warroom_update_lateness_seconds_sum", audience="technical", automatic="true"
    )
    assert technical == 15 * 60


async def test_an_update_held_up_by_slack_counts_the_wait(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    business = warroom.audience_channels["biz-updates"]
    warroom.fake.fail_next(
        "chat.postMessage",
        status=429,
        retry_after=90,
        where=lambda args: args.get("channel") in {business, "#biz-updates"},
    )
    await warroom.tick(30)  # due and written on time; Slack makes it wait 90 s
    held = await scrape(warroom)
    assert held.value("warroom_update_lateness_seconds_sum", **BUSINESS) == 90


@pytest.fixture
async def alerting(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(fake, sqlite_url, alerts_token=ALERTS_TOKEN)
    await room.start()
    yield room
    await room.stop()


async def test_alerts_are_counted_by_source_and_what_they_led_to(alerting: Warroom) -> None:
    before = await scrape(alerting)
    assert (
        before.value("warroom_alerts_received_total", source="alertmanager", outcome="proposed")
        == 0
    )

    taken = await alerting.alert("alertmanager", alertmanager())
    assert taken.status_code == 200
    again = await alerting.alert("alertmanager", alertmanager())  # Alertmanager's repeat
    assert again.status_code == 200
    refused = await alerting.alert("grafana", {"alerts": []}, token="not-the-token")
    assert refused.status_code == 401
    await alerting.settle()

    after = await scrape(alerting)
    counted = {
        (source, outcome): after.value(
            "warroom_alerts_received_total", source=source, outcome=outcome
        )
        for source, outcome in [
            ("alertmanager", "proposed"),
            ("alertmanager", "unchanged"),
            ("grafana", "rejected"),
            ("alertmanager", "declared"),
        ]
    }
    assert counted == {
        ("alertmanager", "proposed"): 1,
        ("alertmanager", "unchanged"): 1,
        ("grafana", "rejected"): 1,
        ("alertmanager", "declared"): 0,
    }


async def test_the_scheduler_ticks_are_timed(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    first = await scrape(warroom)
    ticks = first.value("warroom_scheduler_tick_duration_seconds_count")
    assert ticks > 0 and first.value("warroom_scheduler_tick_duration_seconds_sum") > 0
    await warroom.tick(30)
    assert (await scrape(warroom)).value("warroom_scheduler_tick_duration_seconds_count") > ticks


async def test_a_metrics_token_is_asked_for_when_set(fake: FakeSlack, sqlite_url: str) -> None:
    room = Warroom(fake, sqlite_url, metrics_token="scrape-token-7d1f")
    await room.start()
    try:
        bare = await room.http.get("/metrics")
        wrong = await room.http.get("/metrics", headers={"authorization": "Bearer nope"})
        assert (bare.status_code, wrong.status_code) == (401, 401)
        assert "WARROOM_METRICS_TOKEN" in bare.text and "warroom_" not in bare.text
        assert bare.headers["www-authenticate"] == "Bearer"
        scraped = await scrape(room, authorization="Bearer scrape-token-7d1f")
        assert scraped.value("warroom_database_up") == 1
    finally:
        await room.stop()


async def test_openmetrics_is_answered_to_a_scraper_asking_for_it(warroom: Warroom) -> None:
    asked = {"accept": "application/openmetrics-text; version=1.0.0"}
    answer = await warroom.http.get("/metrics", headers=asked)
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.rstrip().endswith("# EOF")


async def test_a_database_that_cannot_be_read_still_gets_an_answer(warroom: Warroom) -> None:
    await warroom.command("help")
    await warroom.settle()
    await warroom.app.scheduler.stop()  # it would read the outbox too
    with warroom.app.db.engine.begin() as connection:  # as after a botched migration
        connection.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_elsewhere")
    answer = await warroom.http.get("/metrics")
    assert answer.status_code == 200
    scraped = Scrape.parse(answer.text)
    assert scraped.value("warroom_database_up") == 0
    assert "warroom_outbox_rows" not in scraped.types
    assert scraped.value("warroom_ack_latency_seconds_count", transport="http") == 1
