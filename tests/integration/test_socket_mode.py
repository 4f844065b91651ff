"""Socket Mode: Slack pushes requests over a WebSocket; the app acks over the same socket."""

from __future__ import annotations

import asyncio
import json

from app.bootstrap import build_runtime
from app.config import Settings
from app.persistence.migrate import upgrade
from app.persistence.tables import Incident
from app.slack.socket_mode import serve_socket_mode, socket_mode_handler
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock, Warroom


async def test_declaring_over_socket_mode(fake: FakeSlack, sqlite_url: str) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    settings = Settings(
        slack_bot_token=fake.bot_token,
        slack_app_token=fake.app_token,
        slack_api_url=fake.api_url,
        warroom_database_url=sqlite_url,
    )
    runtime = build_runtime(settings, clock=FakeClock())
    await asyncio.to_thread(upgrade, runtime.db.engine)
    await runtime.start()
    stop = asyncio.Event()
    handler = socket_mode_handler(runtime.bolt_app, fake.app_token, runtime.client)
    serving = asyncio.create_task(serve_socket_mode(handler, stop))
    try:
        await fake.async_socket_connected()
        bad = fake.send_envelope(
            "slash_commands",
            slack_requests.slash_command_payload(
                "declare sev9 Drift", user_id=seeded.people.bob, channel_id=seeded.general
            ),
        )
        refused = await fake.async_wait_for_ack(bad)
        assert "sev1, sev2, sev3, sev4" in json.dumps(refused.get("payload", {}))

        envelope = fake.send_envelope(
            "slash_commands",
            slack_requests.slash_command_payload(
                "declare sev1 Chatbot release giving harmful answers",
                user_id=seeded.people.bob,
                channel_id=seeded.general,
                response_url=fake.new_response_url(),
                trigger_id=fake.issue_trigger_id(),
            ),
        )
        ack = await fake.async_wait_for_ack(envelope)
        assert "Declaring a SEV1 incident" in json.dumps(ack.get("payload", {}))
        channel = await fake.async_wait_for(
            lambda: fake.channel_by_name("inc-1-chatbot-release-giving-harmful-answers")
        )
        await fake.async_wait_for(lambda: fake.channel(channel.id).pins)
        with runtime.db.transaction() as session:
            incident = session.get(Incident, 1)
        assert incident is not None and incident.declared_by == seeded.people.bob
    finally:
        stop.set()
        await serving
        await runtime.stop()
        runtime.db.engine.dispose()


async def test_a_refresh_requested_by_slack_reconnects_and_keeps_answering(
    fake: FakeSlack, sqlite_url: str
) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    settings = Settings(
        slack_bot_token=fake.bot_token,
        slack_app_token=fake.app_token,
        slack_api_url=fake.api_url,
        warroom_database_url=sqlite_url,
    )
    runtime = build_runtime(settings, clock=FakeClock())
    await asyncio.to_thread(upgrade, runtime.db.engine)
    await runtime.start()
    stop = asyncio.Event()
    handler = socket_mode_handler(runtime.bolt_app, fake.app_token, runtime.client)
    serving = asyncio.create_task(serve_socket_mode(handler, stop))
    try:
        await fake.async_socket_connected()
        fake.disconnect_socket("refresh_requested")
        # The client opens the new connection before closing the old one: wait until the new
        # one is open and the old one gone, or the envelope may go down the closing socket.
        await fake.async_wait_for(
            lambda: fake.socket.connections_opened == 2 and fake.socket.connection_count == 1
        )
        help_ = slack_requests.slash_command_payload("help", user_id=seeded.people.bob)
        ack = await fake.async_wait_for_ack(fake.send_envelope("slash_commands", help_))
        assert "/incident declare" in json.dumps(ack.get("payload", {}))
    finally:
        stop.set()
        await serving
        await runtime.stop()
        runtime.db.engine.dispose()
