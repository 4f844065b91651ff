"""Socket Mode: Slack pushes requests over a WebSocket the app opens; no public URL needed."""

from __future__ import annotations

import asyncio
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def socket_mode_handler(
    bolt_app: AsyncApp, app_token: str, client: AsyncWebClient
) -> AsyncSocketModeHandler:
    return AsyncSocketModeHandler(bolt_app, app_token, web_client=client)


async def serve_socket_mode(handler: AsyncSocketModeHandler, stop: asyncio.Event) -> None:
    """Connect and stay connected until `stop` is set (SIGINT/SIGTERM set it)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await handler.connect_async()
    try:
        await stop.wait()
    finally:
        await handler.close_async()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
