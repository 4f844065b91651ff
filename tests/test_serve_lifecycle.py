"""`warroom serve` as a service manager runs it: SIGTERM stops it, with exit code 0, in every
state (bench/stop_time.py prints how long that takes); a refused token stops start-up with a
message naming it; and no token ever reaches the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.persistence.engine import make_engine
from app.persistence.tables import OutboxMessage
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import SIGNING_SECRET, FakeClock, Warroom, free_port
from tests.served import (
    ATTEMPT,
    Served,
    fake_env,
    stop_with_a_delivery_in_flight,
    unreachable_env,
    wait_healthy,
)


def logged_at(line: str) -> datetime:
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")


# --- stopping -------------------------------------------------------------------------------


def test_socket_mode_stops_on_sigterm_while_slack_is_unreachable(
    tmp_path: Path, served: list[Served]
) -> None:
    bot = Served(unreachable_env(tmp_path))
    served.append(bot)

    def attempts() -> list[str]:
        return [line for line in bot.lines if ATTEMPT.search(line)]

    bot.wait_for(lambda: len(attempts()) >= 4, 30, "four failed attempts logged")
    code, _ = bot.terminate()

    assert code == 0, (code, bot.output)  # None: still running after HANG seconds
    assert "Traceback" not in bot.output
    lines = attempts()
    numbers = [int(ATTEMPT.search(line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert numbers == list(range(1, len(lines) + 1))  # one line per attempt
    times = [logged_at(line) for line in lines]
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert all(later > earlier for earlier, later in pairwise(gaps)), gaps


@pytest.mark.parametrize("slack", ["answering", "unreachable"])
def test_http_mode_stops_on_sigterm_with_exit_code_0(
    slack: str, fake: FakeSlack, tmp_path: Path, served: list[Served]
) -> None:
    port = free_port()
    env = unreachable_env(tmp_path)
    if slack == "answering":
        env = fake_env(fake, env["WARROOM_DATABASE_URL"])
    bot = Served(env, "--http", "--host", "127.0.0.1", "--port", str(port))
    served.append(bot)
    if slack == "answering":
        wait_healthy(port, bot)
    else:
        bot.wait_for(lambda: any(ATTEMPT.search(line) for line in bot.lines), 30, "an attempt")

    code, _ = bot.terminate()

    assert code == 0, (code, bot.output)  # None: still running after HANG seconds
    assert "Traceback" not in bot.output


async def test_connected_socket_mode_stops_promptly_and_gives_back_the_delivery_in_flight(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    code, _, bot = stop_with_a_delivery_in_flight(fake, sqlite_url, served)

    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        rows = list(session.exec(select(OutboxMessage)))
    engine.dispose()
    leased = [(r.id, r.op, r.lease_owner) for r in rows if r.lease_owner or r.lease_until]
    assert not leased, leased  # given back, not held for the rest of the 2-minute lease
    [create] = [r for r in rows if r.op == "create_channel"]
    assert create.status == "pending" and create.maybe_sent  # Slack may have acted: check first
    assert create.not_before <= datetime.now(UTC)  # any replica may take it at once
    assert code == 0, (code, bot.output)

    # The next process starts right away, long before the lease would have lapsed.
    fake.response_delay = 0.0
    restarted = Warroom(fake, sqlite_url, clock=FakeClock(datetime.now(UTC)), seed=False)
    await restarted.start()
    try:
        await restarted.settle(advance_clock=False)
        channels = [c for c in fake.channels() if c.name.startswith("inc-1")]
        assert len(channels) == 1  # the channel made before the stop is adopted, not remade
        assert restarted.incident_channel(1).id == channels[0].id
        assert {r.status for r in restarted.rows(OutboxMessage)} == {"sent"}
        assert len(fake.messages(channels[0].id)) == 1
    finally:
        await restarted.stop()


# --- tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [[], ["--http"]], ids=["socket-mode", "http"])
def test_a_bot_token_slack_refuses_stops_start_up_naming_it(
    mode: list[str], fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    env = {**fake_env(fake, sqlite_url), "SLACK_BOT_TOKEN": "xoxb-1-revoked-long-ago"}
    bot = Served(env, *mode, "--port", str(free_port()))
    served.append(bot)

    code = bot.finish(timeout=30)

    assert code == 2, bot.output
    assert "SLACK_BOT_TOKEN" in bot.output and "invalid_auth" in bot.output
    assert "revoked-long-ago" not in bot.output and "Traceback" not in bot.output
    assert not fake.calls_to("chat.postMessage") and not fake.calls_to("apps.connections.open")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xapp-1-A0APP-1234-an-app-level-token"),
        ("SLACK_APP_TOKEN", "xoxb-1234-a-bot-token"),
        ("SLACK_APP_TOKEN", "xapp-1-A0OTHER-9-another-apps-token"),  # refused by Slack itself
    ],
    ids=["xapp-as-bot-token", "xoxb-as-app-token", "app-token-slack-refuses"],
)
def test_a_token_of_the_wrong_kind_stops_start_up_naming_the_variable(
    variable: str, value: str, fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    bot = Served({**fake_env(fake, sqlite_url), variable: value})
    served.append(bot)

    code = bot.finish(timeout=30)

    assert code == 2, bot.output
    assert variable in bot.output and "Traceback" not in bot.output
    assert value not in bot.output and value.split("-", 2)[2] not in bot.output


# --- the log --------------------------------------------------------------------------------


def test_a_garbled_answer_from_slack_puts_no_token_in_the_log(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    port = free_port()
    bot = Served(fake_env(fake, sqlite_url), "--http", "--host", "127.0.0.1", "--port", str(port))
    served.append(bot)
    wait_healthy(port, bot)
    # Not HTTP at all: aiohttp's exception carries the request headers, Authorization included.
    fake.garble_next("conversations.create")
    body = slack_requests.slash_command_body(
        "declare sev2 Feature store outage",
        user_id=seeded.people.alice,
        channel_id=seeded.general,
        response_url=fake.new_response_url(),
        trigger_id=fake.issue_trigger_id(),
    )
    headers = slack_requests.signed_headers(SIGNING_SECRET, body)
    assert httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers)
    fake.wait_for(lambda: fake.channel_by_name("inc-1-feature-store-outage"), 15)
    code, _ = bot.terminate()

    retried = [line for line in bot.lines if "will retry" in line]
    assert retried and "ClientResponseError" in retried[0]  # logged as class and message
    assert "xoxb-" not in bot.output and fake.bot_token not in bot.output
    assert "Authorization" not in bot.output
    assert code == 0, bot.output


def test_json_log_format_gives_one_json_object_per_line(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    env = {
        **fake_env(fake, sqlite_url),
        "SLACK_BOT_TOKEN": "xoxb-1-revoked-long-ago",
        "WARROOM_LOG_FORMAT": "json",
    }
    bot = Served(env)
    served.append(bot)

    assert bot.finish(timeout=30) == 2
    records = [json.loads(line) for line in bot.lines if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["logger"] == "warroom" and "database ready" in r["message"] for r in records)
    fatal = records[-1]
    assert fatal["level"] == "ERROR" and "SLACK_BOT_TOKEN" in fatal["message"]
    assert datetime.fromisoformat(fatal["time"]).tzinfo is not None
