"""Checking the tokens on start: a token Slack refuses stops the process with a message naming
the variable, instead of a service that retries forever (or an outbox that gives up on every
row as `invalid_auth`). Slack not answering is not a refusal: the caller keeps trying."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.config import ConfigError
from app.slack.api_errors import slack_did_not_answer, slack_error_code

CHECK_TIMEOUT = 10  # seconds per attempt; the caller retries
_WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) from OAuth & Permissions",
    "SLACK_APP_TOKEN": (
        "an app-level token (xapp-…) with connections:write from Basic Information → "
        "App-Level Tokens"
    ),
}
_WRONG_KIND = {"not_allowed_token_type", "invalid_token_type"}


class TokenRefused(ConfigError):
    """Slack answered that a token cannot be used; retrying will not change its mind."""


def token_refused(variable: str, error: str) -> TokenRefused:
    if error in _WRONG_KIND:
        problem = "it is the wrong kind of token"
    elif error == "missing_scope":
        problem = "it lacks a scope it needs"
    else:
        problem = "the token is wrong, revoked or expired"
    return TokenRefused(
        f"Slack refused {variable} ({error or 'no reason given'}): {problem}. "
        f"Set it to {_WHERE[variable]}."
    )


def check_client(api_url: str, token: str | None = None) -> AsyncWebClient:
    """No SDK retries: each attempt is one request, and the caller logs and paces them."""
    return AsyncWebClient(token=token, base_url=api_url, timeout=CHECK_TIMEOUT, retry_handlers=[])


async def check_bot_token(client: AsyncWebClient) -> str:
    """`auth.test` with the bot token; returns who the bot is, for the log."""
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        if slack_did_not_answer(exc):
            raise
        raise token_refused("SLACK_BOT_TOKEN", slack_error_code(exc)) from None
    return f"{answer.get('user') or answer.get('user_id')} in {answer.get('team') or 'the team'}"


async def open_socket_url(client: AsyncWebClient, app_token: str) -> str:
    """`apps.connections.open` with the app-level token: the WebSocket URL to connect to."""
    try:
        answer = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        if slack_did_not_answer(exc):
            raise
        raise token_refused("SLACK_APP_TOKEN", slack_error_code(exc)) from None
    return str(answer["url"])
