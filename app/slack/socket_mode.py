"""Socket Mode: Slack pushes requests over a WebSocket the app opens; no public URL needed.

slack_sdk's own `connect()` retries forever at a fixed pace, logs a traceback per attempt and
cannot be interrupted, so a process started while Slack is unreachable ignores SIGTERM. Here
`connect()` makes one attempt, and `serve_socket_mode` paces the attempts (backoff, one log
line each) and gives up the moment it is asked to stop. Reconnecting after a dropped
connection stays with slack_sdk's session monitor, which calls the same `connect()`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from app import log_context
from app.slack.backoff import keep_trying
from app.slack.token_check import check_client, open_socket_url

log = logging.getLogger("warroom")
PING_INTERVAL = 10.0  # seconds; Bolt's default


class OneAttemptSocketModeClient(SocketModeClient):
    """slack_sdk's aiohttp client whose `connect()` tries once and raises on failure."""

    async def issue_new_wss_url(self) -> str:
        # slack_sdk's version reads `e.response["error"]`, which fails on a non-JSON answer.
        return await open_socket_url(self.web_client, self.app_token)

    async def connect(self) -> None:
        if self.current_session is not None and not self.current_session.closed:
            await self.current_session.close()
        if self.aiohttp_client_session.closed and not self.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        self.auto_reconnect_enabled = False  # no reconnect from the monitor while connecting
        try:
            if self.wss_uri is None:
                self.wss_uri = await self.issue_new_wss_url()
            self.current_session = await self.aiohttp_client_session.ws_connect(
                self.wss_uri,
                autoping=False,
                heartbeat=self.ping_interval,
                proxy=self.proxy,
                ssl=self.web_client.ssl if self.web_client.ssl is not None else True,
            )
        finally:
            self.wss_uri = None  # a URL is good for one connection: ask for a fresh one next
            # On failure too: the session monitor must go on trying to reconnect.
            self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        await self.current_session.ping(f"sdk-ping-pong:{time.time()}".encode())
        self._restart_session_tasks()
        log.info("Socket Mode connected")

    def _restart_session_tasks(self) -> None:
        """The session monitor (reconnects) and the message receiver, as slack_sdk starts them."""
        if self.current_session_monitor is not None:
            self.current_session_monitor.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        if self.message_receiver is not None:
            self.message_receiver.cancel()
        self.message_receiver = asyncio.ensure_future(self.receive_messages())


class WarroomSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's handler (it turns envelopes into Bolt requests) over the one-attempt client.
    Each envelope is handled with its id as the log's `request`, and its ack timed."""

    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        api_url: str,
        on_ack: Callable[[float], None] | None = None,
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.on_ack = on_ack  # told each ack's latency in seconds
        self.client = OneAttemptSocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=check_client(api_url),
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """As Bolt's own handle(), inside a log scope, timing the ack."""
        received = time.perf_counter()
        with log_context.scope(request=req.envelope_id):
            response = await run_async_bolt_app(self.app, req)
            await send_async_response(client, req, response, time.time())
        if self.on_ack is not None:
            self.on_ack(time.perf_counter() - received)


def socket_mode_handler(
    bolt_app: AsyncApp,
    app_token: str,
    client: AsyncWebClient,
    on_ack: Callable[[float], None] | None = None,
) -> AsyncSocketModeHandler:
    return WarroomSocketModeHandler(bolt_app, app_token, client.base_url, on_ack)


async def serve_socket_mode(handler: AsyncSocketModeHandler, stop: asyncio.Event) -> None:
    """Connect (trying again while Slack does not answer) and stay connected until `stop` is
    set. Raises TokenRefused when Slack refuses the app-level token."""
    try:
        await keep_trying(handler.connect_async, what="Socket Mode", stop=stop)
        await stop.wait()
    finally:
        await handler.close_async()
