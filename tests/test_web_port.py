"""`warroom serve --web-port N` in Socket Mode: one small HTTP listener beside the socket for the
routes that are not Slack's (the alert webhooks, /healthz), stopped with the rest on SIGTERM."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx

from tests.alert_bodies import alertmanager, event
from tests.fakes.slack_api import FakeSlack
from tests.harness import free_port
from tests.served import Served, fake_env, wait_healthy
from tests.test_cli import run

TOKEN = "alerts-token-5b0c1e7d9a"


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_socket_mode_serves_the_alert_routes_and_healthz_on_the_web_port(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    port = free_port()
    env = {**fake_env(fake, sqlite_url), "WARROOM_ALERTS_TOKEN": TOKEN}
    bot = Served(env, "--host", "127.0.0.1", "--web-port", str(port))
    served.append(bot)
    fake.socket_connected(timeout=30)
    wait_healthy(port, bot)
    url = f"http://127.0.0.1:{port}"
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    assert httpx.get(f"{url}/healthz").json() == {"ok": True}
    taken = httpx.post(
        f"{url}/alerts/alertmanager", content=json.dumps(alertmanager()), headers=bearer
    )
    assert (taken.status_code, taken.json()) == (200, {"status": "ok", "alerts": 1})
    bot.wait_for(lambda: "alerts taken: {'proposed'" in bot.output, 10, "the alerts taken")
    malformed = httpx.post(
        f"{url}/alerts/events", content=b'{"event_action": "page"}', headers=bearer
    )
    assert malformed.status_code == 400 and "event_action" in malformed.text
    wrong = httpx.post(f"{url}/alerts/events", json=event(), headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    # Slack's requests come over the socket, not to this port.
    assert httpx.post(f"{url}/slack/events", content=b"{}").status_code == 404

    code, _ = bot.terminate()
    assert code == 0, bot.output
    assert not listening(port)
    assert f"serving /alerts/…, GET /metrics and /healthz on 127.0.0.1:{port}" in bot.output
    assert TOKEN not in bot.output and "Traceback" not in bot.output


def test_without_a_token_the_web_ports_alert_routes_answer_404(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    port = free_port()
    bot = Served(fake_env(fake, sqlite_url), "--host", "127.0.0.1", "--web-port", str(port))
    served.append(bot)
    wait_healthy(port, bot)
    answer = httpx.post(f"http://127.0.0.1:{port}/alerts/events", json=event())
    assert answer.status_code == 404
    assert "WARROOM_ALERTS_TOKEN is unset" in bot.output
    assert bot.terminate()[0] == 0


def test_a_web_port_already_taken_stops_socket_mode_too(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = Served(fake_env(fake, sqlite_url), "--host", "127.0.0.1", "--web-port", str(port))
        served.append(bot)
        code = bot.finish(30)
    assert code not in (0, None), bot.output
    assert "address already in use" in bot.output.lower()


def test_web_port_is_for_socket_mode(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    result = run("serve", "--http", "--web-port", "3001", env=env)
    assert result.returncode == 2
    assert "--web-port is for Socket Mode" in result.stderr and "Traceback" not in result.stderr
