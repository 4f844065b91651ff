"""`/incident update`: the form, its preview (pushed on top, so Back returns to the form),
and publishing."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import FormProblem, WarroomError
from app.services.lookup import access_by_channel, access_by_draft
from app.services.updates import preview_update, publish_update
from app.slack.access import ensure_may_act
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks import update_modal
from app.slack.deps import SlackDeps
from app.slack.listeners import errors


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.view(update_modal.FORM_CALLBACK)
    async def form_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        channel_id, narrative, audiences = update_modal.read_update_form(view)
        user = body["user"]["id"]
        try:  # the channel comes from the form's metadata: check who may act there
            await ensure_may_act(client, await deps.run(access_by_channel, channel_id), user)
            preview = await deps.run(preview_update, channel_id, user, narrative, audiences)
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

        async def publish() -> None:
            await ensure_may_act(client, await deps.run(access_by_draft, draft), user)
            await deps.run(publish_update, draft, user)

        await errors.after_form_closed(deps, client, user, context.get(CONTEXT_KEY), publish)
