"""App Home: drawn for whoever opens it, and redrawn (by the outbox) when things change."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from app.services import home
from app.slack.blocks.home import home_view
from app.slack.deps import SlackDeps


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        with deps.activity.track():
            data = await deps.run(home.opened, event["user"])
            await client.views_publish(user_id=event["user"], view=home_view(data))
