"""'Was this useful?' buttons under updates: the vote is recorded, the voter thanked privately."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from app.domain.errors import WarroomError
from app.services import satisfaction
from app.slack.blocks import satisfaction as blocks
from app.slack.blocks.common import Message
from app.slack.deps import SlackDeps


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def voted(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        reply_to = body.get("response_url")
        found = blocks.read_vote(str(action.get("value") or ""))
        if found is None:
            await deps.reply(reply_to, Message(text="That button is not one of Warroom's."))
            return
        useful = action.get("action_id") == blocks.USEFUL_ACTION
        try:
            done = await deps.run(satisfaction.vote, *found, body["user"]["id"], useful)
        except WarroomError as refused:
            await deps.reply(reply_to, Message(text=refused.message))
            return
        await deps.reply(reply_to, Message(text=blocks.thanks(done.useful, done.replaced)))

    app.action(blocks.USEFUL_ACTION)(voted)
    app.action(blocks.NOT_USEFUL_ACTION)(voted)
