"""Events: a :pushpin: reaction in an incident channel puts that message in the timeline.

The work is recorded before the event is acknowledged (a listener middleware runs before
Bolt's automatic ack): if that fails, Slack gets an error and sends the event again; once it is
recorded, the outbox reads the message and logs it, retrying until it is done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from app.services import timeline
from app.slack.deps import SlackDeps

PIN_REACTIONS = {"pushpin", "round_pushpin"}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def record_first(
        event: dict[str, Any], body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> None:
        item = event.get("item", {})
        if event.get("reaction") in PIN_REACTIONS and item.get("type") == "message":
            pin = timeline.Pin(item["channel"], item["ts"], event["user"], event.get("item_user"))
            await deps.run(timeline.pin_noted, pin, body.get("event_id", ""))
        await next()

    @app.event("reaction_added", middleware=[record_first])
    async def reaction_added() -> None:
        """Nothing left to do here: record_first wrote the work down, the outbox does it."""

    @app.event("reaction_removed")
    async def reaction_removed() -> None:
        """Unpinning keeps the timeline entry: the log is append-only."""
