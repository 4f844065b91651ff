"""The HTTP edge: what a POST to /slack/events must be before Bolt, or the ack gate, sees it.

In order, each step trusting only what the steps before it checked:

1. Size and time (app/web/refusals.py, shared with the alert webhooks): a Content-Length over
   the limit is refused before the body is read; the body is then read as it arrives and cut
   off past the limit (413) or past the deadline (408).
2. The signature (401). Nothing unsigned is parsed. Only now does the request count as one
   waiting for its ack (see http_server).
3. The shape (400): UTF-8, and what Bolt makes of it is a JSON object.
4. Replays. A signed request already seen within the signature window, on any replica, is
   answered 200 with an empty body and not acted on: a 200 is what stops Slack retrying, an
   empty one shows nobody an error, and the request does not act twice. Slack's own retries of
   an event carry X-Slack-Retry-Num and are not replays (the event_id dedupe stops a second
   handling), so for events the retry number is part of what is remembered.

Each refusal is logged as one INFO line: method, path, status, reason, size. Never the body, a
header, the signature or a URL.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.async_app import AsyncBoltRequest
from starlette.requests import Request
from starlette.responses import Response

from app.slack.replays import ReplayMemory
from app.slack.signatures import WINDOW, BadSignature, Signature, verify
from app.web.refusals import Refused, read_body, refusal

__all__ = ["Arrival", "EdgeLimits", "Refused", "RequestGuard", "slack_payload"]

MAX_BODY = 1 << 20  # bytes; Slack's payloads are well under this
BODY_DEADLINE = 10.0  # seconds for a whole body to arrive, from the request's headers
SLACK_RETRIES = {"1", "2", "3"}  # X-Slack-Retry-Num values Slack sends


@dataclass(frozen=True)
class EdgeLimits:
    max_body: int = MAX_BODY
    body_deadline: float = BODY_DEADLINE
    window: int = WINDOW  # seconds a signature stays good, and is remembered


@dataclass(frozen=True)
class Arrival:
    """A body read in full whose signature is Slack's."""

    body: bytes
    signature: Signature


class RequestGuard:
    def __init__(
        self,
        signing_secret: str,
        replays: ReplayMemory,
        limits: EdgeLimits | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("serving HTTP needs SLACK_SIGNING_SECRET")
        self._secret = signing_secret.encode()
        self.replays = replays
        self.limits = limits or EdgeLimits()
        self._now = now

    async def signed(self, request: Request) -> Arrival:
        """The whole body, once in and signed by Slack; raises Refused otherwise."""
        body = await self._body(request)
        headers = request.headers
        try:
            signature = verify(
                self._secret,
                headers.get("x-slack-request-timestamp"),
                headers.get("x-slack-signature"),
                body,
                self._now(),
                self.limits.window,
            )
        except BadSignature as bad:
            raise Refused(401, bad.reason, len(body)) from None
        return Arrival(body, signature)

    async def admitted(
        self, request: Request, arrival: Arrival, context: dict[str, Any]
    ) -> AsyncBoltRequest:
        """The request as Bolt will handle it, if it is well-formed and not a replay."""
        bolt_request = self._parsed(request, arrival, context)
        if not await self._first_sighting(request, arrival, bolt_request.body):
            raise Refused(200, "replay of a request already seen", len(arrival.body))
        return bolt_request

    def refusal(self, request: Request, refused: Refused) -> Response:
        return refusal(request, refused)

    async def _body(self, request: Request) -> bytes:
        return await read_body(request, self.limits.max_body, self.limits.body_deadline)

    def _parsed(
        self, request: Request, arrival: Arrival, context: dict[str, Any]
    ) -> AsyncBoltRequest:
        size = len(arrival.body)
        try:
            text = arrival.body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8", size) from None
        try:
            payload = slack_payload(text, request.headers.get("content-type"))
            bolt_request = AsyncBoltRequest(
                body=text,
                query=request.url.query,
                headers=dict(request.headers.items()),
                context=context,
            )
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            raise Refused(400, "body is not a Slack payload", size) from None
        if not isinstance(payload, dict) or not payload:
            raise Refused(400, "body is not a Slack payload", size)
        # Bolt's own parse takes any form body containing the word "payload" for an
        # interactivity payload: `/incident declare sev2 payload parser down` came out empty.
        bolt_request.body = payload
        return bolt_request

    async def _first_sighting(
        self, request: Request, arrival: Arrival, payload: dict[str, Any]
    ) -> bool:
        key = arrival.signature.value
        retry = request.headers.get("x-slack-retry-num")
        if payload.get("type") == "event_callback" and retry in SLACK_RETRIES:
            key += f"#retry-{retry}"
        signed_at = datetime.fromtimestamp(arrival.signature.timestamp, UTC)
        now = datetime.fromtimestamp(self._now(), UTC)
        try:
            return await self.replays.first_sighting(
                hashlib.sha256(key.encode()).hexdigest(), signed_at, now
            )
        except Exception as exc:  # the database is down: Slack retries a 503 later
            reason = f"could not check for a replay ({type(exc).__name__})"
            raise Refused(503, reason, len(arrival.body)) from None


def slack_payload(text: str, content_type: str | None) -> Any:
    """What Slack sent: a JSON body (events), a form whose `payload` field holds JSON
    (interactivity), or a form of fields (slash commands)."""
    if (content_type or "").startswith("application/json") or text.startswith("{"):
        return json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if set(fields) == {"payload"}:
        return json.loads(fields["payload"])
    return fields
