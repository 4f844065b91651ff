"""`/incident update`: the form, its preview (pushed on top, so Back returns to the form),
and publishing."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import FormProblem, WarroomError
from app.services.updates import preview_update, publish_update
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks import update_modal
from app.slack.deps import SlackDeps
from app.slack.listeners import errors


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.view(update_modal.FORM_CALLBACK)
    async def form_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        channel_id, narrative, audiences = update_modal.read_update_form(view)
        try:
            preview = await deps.run(
                preview_update, channel_id, body["user"]["id"], narrative, audiences
            )
        except FormProblem as exc:
            await ack(response_action="errors", errors={exc.field: exc.message})
            return
        except WarroomError as exc:
            await ack(response_action="errors", errors={"what_changed": exc.message})
            return
        await ack(response_action="push", view=update_modal.preview_view(preview))

    @app.view(update_modal.PREVIEW_CALLBACK)
    async def publish_pressed(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack(response_action="clear")
        user, draft = body["user"]["id"], update_modal.draft_id_of(view)
        await errors.after_form_closed(
            deps,
            client,
            user,
            context.get(CONTEXT_KEY),
            lambda: deps.run(publish_update, draft, user),
        )
