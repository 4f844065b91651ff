"""Buttons on alert messages: take command, settle a proposal (declare, attach, dismiss with a
reason), split an alert off into its own incident."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import FormProblem, InvalidInput, WarroomError
from app.domain.text import mention
from app.services import alert_actions, alert_split, command, impact
from app.slack.blocks import alerts as blocks
from app.slack.blocks.common import Message
from app.slack.deps import SlackDeps
from app.slack.listeners import errors

STALE = "That button is out of date."  # its value is not what Warroom put there
Press = Callable[[str, str | None], Awaitable[str]]  # (user, response_url) -> what to tell them


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def pressed(body: dict[str, Any], work: Press) -> None:
        """Run the press's work; what it says (or why it was refused) goes to the presser."""
        user, reply_to = body["user"]["id"], body.get("response_url")
        with deps.activity.track():
            try:
                told = await work(user, reply_to)
            except Exception as exc:  # after the ack nothing reaches Bolt's error handler
                told = errors.explain(exc)
            if told:
                await deps.reply(reply_to, Message(text=told))

    @app.action(blocks.TAKE_COMMAND)
    async def take_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()

        async def take(user: str, _: str | None) -> str:
            taken = await deps.run(command.take_command, _number(action.get("value")), user)
            where = f"<#{taken.channel_id}>" if taken.channel_id else taken.ref
            if not taken.already:
                return f":white_check_mark: You command {taken.ref} now: {where}."
            if taken.commander == user:
                return f"You already command {taken.ref}: {where}."
            return f"{mention(taken.commander)} already commands {taken.ref}: {where}."

        await pressed(body, take)

    @app.action(blocks.DECLARE_PROPOSED)
    async def declare_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        channel = (body.get("channel") or {}).get("id")

        async def declare(user: str, reply_to: str | None) -> str:
            proposal = _number(action.get("value"))
            settled = await deps.run(
                alert_actions.declare_proposed, proposal, user, channel, reply_to
            )
            if settled.already:
                return settled.told()
            if settled.systems:  # as /incident declare --affects: the radius once it exists
                await deps.run(
                    impact.after_declaration, settled.incident_number, list(settled.systems), user
                )
            return ""  # the declaration answers on the response_url itself

        await pressed(body, declare)

    @app.action(re.compile(rf"^{blocks.ATTACH_PROPOSED}:\d+$"))
    async def attach_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()

        async def attach(user: str, _: str | None) -> str:
            proposal, number = _attach_choice(action.get("value"))
            settled = await deps.run(alert_actions.attach_proposed, proposal, number, user)
            return settled.told() if settled.already else ""

        await pressed(body, attach)

    @app.action(blocks.DISMISS_PROPOSED)
    async def dismiss_pressed(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()

        async def ask_why(user: str, _: str | None) -> str:
            proposal = _number(action.get("value"))
            asked = await deps.run(alert_actions.check_may_dismiss, proposal)
            if asked.settled is not None:
                return asked.settled.told()
            view = blocks.dismiss_modal(proposal, asked.title)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return ""

        await pressed(body, ask_why)

    @app.view(blocks.DISMISS_MODAL)
    async def dismiss_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        try:  # before the ack, so a problem (or someone settling it first) shows in the form
            proposal, reason = blocks.read_dismiss_form(view)
            settled = await deps.run(alert_actions.dismiss_proposed, proposal, user, reason)
        except FormProblem as problem:
            await ack(response_action="errors", errors={problem.field: problem.message})
            return
        except WarroomError as refused:
            await ack(response_action="errors", errors={"reason": refused.message})
            return
        if settled.already:
            await ack(response_action="errors", errors={"reason": settled.told()})
            return
        await ack()

    async def split(body: dict[str, Any], key: str) -> None:
        async def split_off(user: str, reply_to: str | None) -> str:
            done = await deps.run(alert_split.split_alert, key, user, reply_to)
            if done.systems:
                await deps.run(impact.after_declaration, done.number, list(done.systems), user)
            return ""  # the new incident's declaration answers on the response_url

        await pressed(body, split_off)

    @app.action(re.compile(rf"^{blocks.SPLIT}:\d+$"))
    async def split_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await split(body, str(action["value"]))

    @app.action(blocks.SPLIT_MENU)
    async def split_chosen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await split(body, str((action.get("selected_option") or {}).get("value") or ""))


def _number(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput(STALE) from None


def _attach_choice(value: object) -> tuple[int, int]:
    """The proposal and the incident number an Attach button carries."""
    try:
        chosen = json.loads(str(value))
        return int(chosen["proposal"]), int(chosen["incident"])
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(STALE) from None
