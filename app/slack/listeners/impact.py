"""The "Raise to SEV1" button the blast radius offers the commander."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from app.domain.errors import WarroomError
from app.domain.text import mention
from app.services import lifecycle
from app.slack.blocks.common import Message, section
from app.slack.blocks.impact import RAISE_ACTION
from app.slack.deps import SlackDeps

REASON = "the blast radius suggests it"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(RAISE_ACTION)
    async def raise_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, reply_to = body["user"]["id"], body.get("response_url")
        channel = (body.get("channel") or {}).get("id", "")
        with deps.activity.track():
            try:
                severity = str(json.loads(action.get("value") or "{}")["severity"])
                await deps.run(lifecycle.change_severity, channel, severity, REASON, user)
            except (ValueError, KeyError, TypeError):
                await deps.reply(reply_to, Message(text="That button is out of date."))
                return
            except WarroomError as refused:
                await deps.reply(reply_to, Message(text=refused.message))
                return
            if reply_to:  # the offer gives way to what was done (it may also be stale: fine)
                done = f":white_check_mark: Raised to {severity.upper()} by {mention(user)}."
                await deps.responder.send(
                    reply_to, Message(text=done, blocks=[section(done)]), replace=True
                )
