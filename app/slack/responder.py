"""Ephemeral replies through a command's response_url, over one shared HTTP session.

Bolt's respond() opens a new HTTP session (and connection) for every reply; under load that
cost lands on the event loop that also answers Slack's 3-second acks.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from app.slack.blocks.common import Message

log = logging.getLogger(__name__)


class Responder:
    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession()
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def send(self, response_url: str, message: Message) -> int:
        """Post an ephemeral reply; returns Slack's HTTP status."""
        # No retries inside the SDK: a reply whose answer was lost may have been shown, and a
        # blind retry would show it twice (the outbox decides what to retry).
        client = AsyncWebhookClient(response_url, session=await self.open(), retry_handlers=[])
        response = await client.send(
            text=message.text,
            blocks=message.blocks or None,
            response_type="ephemeral",
            replace_original=False,
        )
        if response.status_code != 200:
            log.warning("Slack refused a reply (%s): %s", response.status_code, response.body)
        return response.status_code
