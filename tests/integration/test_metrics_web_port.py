"""`warroom serve --web-port N` in Socket Mode, as a process: GET /metrics on the web port
times the acks sent over the socket, and the JSON log names each envelope it handles."""

from __future__ import annotations

import json

import httpx

from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom, free_port
from tests.scrape import Scrape
from tests.served import Served, fake_env, wait_healthy

METRICS_TOKEN = "metrics-token-40c2e9"


def test_socket_mode_acks_are_timed_and_logged_by_envelope(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    port = free_port()
    env = {
        **fake_env(fake, sqlite_url),
        "WARROOM_LOG_FORMAT": "json",
        "WARROOM_METRICS_TOKEN": METRICS_TOKEN,
    }
    bot = Served(env, "--host", "127.0.0.1", "--web-port", str(port))
    served.append(bot)
    fake.socket_connected(timeout=30)
    wait_healthy(port, bot)
    url = f"http://127.0.0.1:{port}/metrics"

    assert httpx.get(url).status_code == 401
    hello = slack_requests.slash_command_payload("help", user_id=seeded.people.alice)
    fake.wait_for_ack(fake.send_envelope("slash_commands", hello), timeout=10)
    declare = slack_requests.slash_command_payload(
        "declare sev1 Chatbot release giving harmful answers",
        user_id=seeded.people.bob,
        channel_id=seeded.general,
        response_url=fake.new_response_url(),
        trigger_id=fake.issue_trigger_id(),
    )
    envelope = fake.send_envelope("slash_commands", declare)
    fake.wait_for_ack(envelope, timeout=10)
    fake.wait_for(lambda: fake.channel_by_name("inc-1-chatbot-release-giving-harmful-answers"), 15)

    answer = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200
    scraped = Scrape.parse(answer.text)
    assert scraped.value("warroom_ack_latency_seconds_count", transport="socket_mode") == 2
    assert 0 < scraped.value("warroom_ack_latency_seconds_sum", transport="socket_mode") < 6
    assert scraped.value("warroom_incidents_active", severity="sev1") == 1
    assert scraped.value("warroom_outbox_deliveries_total", kind="create_channel", result="ok") == 1

    code, _ = bot.terminate()
    assert code == 0, bot.output
    lines = [json.loads(line) for line in bot.lines if line.strip()]
    declared = next(r for r in lines if "INC-1 declared (sev1)" in r["message"])
    assert declared["request"] == envelope and declared["incident"] == 1
    assert METRICS_TOKEN not in bot.output and fake.bot_token not in bot.output
    assert fake.app_token not in bot.output and "harmful answers" not in bot.output
