"""Ephemeral replies through a command's response_url, over one shared HTTP session.

Bolt's respond() opens a new HTTP session (and connection) for every reply; under load that
cost lands on the event loop that also answers Slack's 3-second acks.

Every reply goes through here (the outbox gateway's too), so this is where a response_url is
checked: it is posted to only when it is on Slack's own host. A form's private_metadata could
carry any URL, and posting to it would send the reply (and the request) to whoever named it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from app.slack.blocks.common import Message

log = logging.getLogger(__name__)
SLACK_HOSTS = frozenset({"hooks.slack.com"})
REFUSED = 403  # what send() returns for a URL it will not post to; callers fall back to a DM
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})  # plain http only here (tests)


class Responder:
    def __init__(self, hosts: frozenset[str] = SLACK_HOSTS) -> None:
        self.hosts = hosts
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession()
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    def allows(self, response_url: str) -> bool:
        parts = urlsplit(response_url)
        host = (parts.hostname or "").lower()
        secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
        return secure and host in self.hosts

    async def send(self, response_url: str, message: Message, *, replace: bool = False) -> int:
        """Post an ephemeral reply (or, with `replace`, redraw the message whose button was
        pressed); returns Slack's HTTP status, or REFUSED for a URL that is not Slack's
        (logged with its host only: the path is a secret capability)."""
        if not self.allows(response_url):
            host = urlsplit(response_url).hostname
            log.warning("refused a reply to a response_url on %r: not a Slack host", host)
            return REFUSED
        # No retries inside the SDK: a reply whose answer was lost may have been shown, and a
        # blind retry would show it twice (the outbox decides what to retry).
        client = AsyncWebhookClient(response_url, session=await self.open(), retry_handlers=[])
        response = await client.send(
            text=message.text,
            blocks=message.blocks or None,
            response_type=None if replace else "ephemeral",
            replace_original=replace,
        )
        if response.status_code != 200:
            log.warning("Slack refused a reply (%s): %s", response.status_code, response.body)
        return response.status_code
