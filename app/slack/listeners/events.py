"""Events: a :pushpin: reaction in an incident channel puts that message in the timeline."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.services import events, timeline
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.deps import SlackDeps
from app.slack.text import to_plain

log = logging.getLogger(__name__)
PIN_REACTIONS = {"pushpin", "round_pushpin"}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("reaction_added")
    async def reaction_added(
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        item = event.get("item", {})
        if event.get("reaction") not in PIN_REACTIONS or item.get("type") != "message":
            return
        with deps.activity.track():
            await deps.gate.follow_up(
                lambda: _pinned(deps, client, event, body), context.get(CONTEXT_KEY)
            )

    @app.event("reaction_removed")
    async def reaction_removed() -> None:
        """Unpinning keeps the timeline entry: the log is append-only."""


async def _pinned(
    deps: SlackDeps, client: AsyncWebClient, event: dict[str, Any], body: dict[str, Any]
) -> None:
    item, event_id = event["item"], body.get("event_id", "")
    try:
        if await deps.run(events.already_handled, event_id):
            return
        if not await deps.run(timeline.is_incident_channel, item["channel"]):
            return
        text, author = await _message(client, item["channel"], item["ts"])
        link = await client.chat_getPermalink(channel=item["channel"], message_ts=item["ts"])
        pin = timeline.PinnedMessage(
            channel_id=item["channel"],
            ts=item["ts"],
            text=text,
            author=author or event.get("item_user"),
            pinned_by=event["user"],
            permalink=link.get("permalink"),
        )
        await deps.run(timeline.record_pinned_message, pin, event_id)
    except Exception:  # not recorded as handled: Slack's retry of the event gets another go
        log.exception("could not record the :pushpin:ed message %s", item.get("ts"))
        raise


async def _message(client: AsyncWebClient, channel: str, ts: str) -> tuple[str, str | None]:
    history = await client.conversations_history(
        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
    )
    messages: list[dict[str, Any]] = history.get("messages", [])
    for message in messages:
        if message.get("ts") == ts:
            text = to_plain(message.get("text", "")) or "(a message with no text)"
            return text, message.get("user")
    return "(a message in a thread)", None
