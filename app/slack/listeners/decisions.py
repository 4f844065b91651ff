"""Decision buttons and forms: pressing an option asks why, then records it once."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.domain import decisions as rules
from app.domain.durations import parse_duration
from app.domain.errors import FormProblem, WarroomError
from app.domain.text import clean_text, escape
from app.services import decisions, lookup
from app.slack.access import ensure_may_act
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks import decisions as blocks
from app.slack.blocks.common import Message
from app.slack.deps import SlackDeps
from app.slack.listeners import errors
from app.slack.listeners.incident_commands import ensure_person

OPTION_PRESSED = re.compile(rf"^{blocks.DECIDE_ACTION}:\d+$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(OPTION_PRESSED)
    async def option_pressed(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        chosen = json.loads(action["value"])
        user, reply_to = body["user"]["id"], body.get("response_url")
        try:  # quickly: the trigger for the rationale form lasts three seconds
            decision = await deps.run(decisions.check_may_decide, chosen["d"], user)
        except WarroomError as refused:
            await deps.reply(reply_to, Message(text=refused.message))
            return
        view = blocks.rationale_modal(
            chosen["d"], chosen["o"], decisions.ref(decision), decision.question
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(blocks.RATIONALE_CALLBACK)
    async def rationale_given(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = view.get("state", {}).get("values", {})
        why = clean_text(str(values.get("rationale", {}).get("rationale", {}).get("value") or ""))
        user = body["user"]["id"]
        try:  # before the ack, so a second presser sees "already decided" in the form
            decision_id, option = blocks.read_rationale_metadata(view)
            access = await deps.run(lookup.access_by_decision, decision_id)
            await ensure_may_act(client, access, user)
            await deps.run(decisions.make_decision, decision_id, option, user, why)
        except WarroomError as refused:
            await ack(response_action="errors", errors={"rationale": refused.message})
            return
        await ack()

    async def settle(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], carry: bool
    ) -> None:
        await ack()
        reply_to = body.get("response_url")
        try:
            done = await deps.run(
                decisions.close_or_carry, int(action["value"]), body["user"]["id"], carry
            )
        except WarroomError as refused:
            await deps.reply(reply_to, Message(text=refused.message))
            return
        verb = "carried over" if carry else "closed"
        text = f"{decisions.ref(done)} {verb}. When none is pending, `/incident resolve` again."
        await deps.reply(reply_to, Message(text=text))

    @app.action(re.compile(rf"^{blocks.CLOSE_ACTION}:\d+$"))
    async def close_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await settle(ack, body, action, carry=False)

    @app.action(re.compile(rf"^{blocks.CARRY_ACTION}:\d+$"))
    async def carry_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await settle(ack, body, action, carry=True)

    @app.view(blocks.ASK_CALLBACK)
    async def ask_submitted(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        form = blocks.read_ask_modal(view)
        try:
            ask = _ask(form, body["user"]["id"])
            access = await deps.run(lookup.access_by_channel, form["channel_id"])
            await ensure_may_act(client, access, ask.asked_by)
            await deps.run(decisions.check_may_ask, form["channel_id"], ask)
        except FormProblem as problem:
            await ack(response_action="errors", errors={problem.field: problem.message})
            return
        except WarroomError as problem:
            await ack(response_action="errors", errors={"question": problem.message})
            return
        await ack()

        async def record() -> None:
            if ask.owner:
                await ensure_person(client, ask.owner)
            await deps.run(decisions.ask_decision, form["channel_id"], ask)

        await errors.after_form_closed(deps, client, ask.asked_by, context.get(CONTEXT_KEY), record)


def _ask(form: dict[str, Any], user: str) -> decisions.Ask:
    question = rules.check_question(form["question"])
    options = rules.parse_options(form["options"]) if form["options"] else None
    return decisions.Ask(question, user, options, form["owner"], _due(form["due"]))


def _due(text: str | None) -> timedelta | None:
    if not text:
        return None
    try:
        return parse_duration(str(text))
    except ValueError as exc:
        raise FormProblem("due", escape(str(exc))) from None
