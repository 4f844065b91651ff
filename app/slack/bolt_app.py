"""The Bolt app and the Web API clients, configured from settings."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from app.config import Settings
from app.slack.deps import SlackDeps
from app.slack.listeners import register_all


def interactive_client(settings: Settings) -> AsyncWebClient:
    """For replies and reads made while someone waits: retries 429s and dropped connections."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def delivery_client(settings: Settings) -> AsyncWebClient:
    """For the outbox: no retries inside the SDK, since a blind retry could post twice; the
    outbox retries itself, after checking whether the first attempt landed."""
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )


def directory_client(settings: Settings) -> WebClient:
    """For reads the use cases make from their worker threads (user group members)."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)


def build_bolt_app(settings: Settings, deps: SlackDeps, client: AsyncWebClient) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        # HTTP requests are verified by the request guard, before anything is parsed (Bolt's
        # own check would log the whole body of a failure); Socket Mode requests are not signed.
        request_verification_enabled=False,
        process_before_response=False,
    )
    register_all(app, deps)
    return app
