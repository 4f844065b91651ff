"""Turning errors into replies, in one place.

A WarroomError becomes an ephemeral reply with its message; Slack not answering (down, slow, or
an HTML page from a proxy) becomes "try again" and one log line; anything else is logged with a
reference and the person is told plainly that nothing was changed.

Listeners catch errors raised after their ack() and call `report` themselves: when a listener
raises soon after acking, Bolt's runner discards the ack and Slack sees a failed request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import WarroomError
from app.slack.api_errors import describe, slack_did_not_answer
from app.slack.blocks.common import Message
from app.slack.deps import SlackDeps

log = logging.getLogger(__name__)
SLACK_DID_NOT_ANSWER = (
    ":hourglass: Slack did not answer just now, so nothing was changed. Try again in a moment."
)


def explain(error: Exception) -> str:
    if isinstance(error, WarroomError):
        return error.message
    if slack_did_not_answer(error):
        log.warning("Slack did not answer a call made for a person (%s)", describe(error))
        return SLACK_DID_NOT_ANSWER
    ref = uuid.uuid4().hex[:8]
    log.error("unhandled error (ref %s)", ref, exc_info=error)
    return (
        ":warning: Something went wrong on Warroom's side and nothing was changed. "
        f"Try again in a moment; if it keeps happening, give your admin this ref: `{ref}`."
    )


async def report(error: Exception, reply: Callable[[Message], Awaitable[Any]]) -> None:
    try:
        await reply(Message(text=explain(error)))
    except Exception:
        log.exception("could not tell the person about an error")


async def after_form_closed(
    deps: SlackDeps,
    client: AsyncWebClient,
    user: str,
    token: object | None,
    work: Callable[[], Awaitable[Any]],
) -> None:
    """Work after a submitted form has closed: it waits for the acks in front of it, and a
    failure is told to the person by direct message, since there is no form left to show."""

    async def run() -> None:
        try:
            await work()
        except Exception as exc:
            await client.chat_postMessage(channel=user, text=explain(exc))

    with deps.activity.track():
        await deps.gate.follow_up(run, token)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        await report(error, lambda message: deps.reply(body.get("response_url"), message))
