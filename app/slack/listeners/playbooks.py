"""A checklist's checkboxes, and the remediation menu's Propose button."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from app.domain.errors import WarroomError
from app.services import playbooks
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks.common import Message
from app.slack.blocks.playbooks import OPTIONS_BLOCK, PROPOSE_ACTION, STEP_ACTION
from app.slack.deps import SlackDeps

TICKED = re.compile(rf"^{STEP_ACTION}:[a-z]+:\d+$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(TICKED)
    async def ticked(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """The element's options now ticked: each step in it done or not, as shown."""
        await ack()
        wanted = _wanted(body, action)
        channel = (body.get("channel") or {}).get("id", "")

        async def tick() -> None:  # after the acks waiting in front of it
            try:
                await deps.run(playbooks.set_steps, channel, wanted, body["user"]["id"])
            except WarroomError as refused:
                await deps.reply(body.get("response_url"), Message(text=refused.message))

        with deps.activity.track():
            await deps.gate.follow_up(tick, context.get(CONTEXT_KEY))

    @app.action("remediation_choice")
    async def chosen(ack: AsyncAck) -> None:
        await ack()  # read when Propose is pressed

    @app.action(PROPOSE_ACTION)
    async def proposed(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        with deps.activity.track():
            values = (body.get("state") or {}).get("values") or {}
            picked = (values.get(OPTIONS_BLOCK) or {}).get("remediation_choice") or {}
            ids = [o.get("value", "") for o in picked.get("selected_options") or []]
            channel = (body.get("channel") or {}).get("id", "")
            reply_to = body.get("response_url")
            try:
                number = await deps.run(
                    playbooks.propose_remediation, channel, ids, body["user"]["id"]
                )
            except WarroomError as refused:
                await deps.reply(reply_to, Message(text=refused.message))
                return
            await deps.reply(reply_to, Message(text=f"Proposed as D-{number} for the commander."))


def _wanted(body: dict[str, Any], action: dict[str, Any]) -> dict[str, bool]:
    """Every step of the element that changed, and whether it is now ticked (the action says
    what is selected; the message it sits in says what else there was)."""
    selected = {o.get("value") for o in action.get("selected_options") or []}
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") != action.get("block_id"):
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") == action.get("action_id"):
                return {o["value"]: o["value"] in selected for o in element.get("options", [])}
    return {value: True for value in selected if value}
