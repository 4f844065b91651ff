"""Modal submissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.services import impact
from app.services.declare import Declaration, declare_incident
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks.modals import (
    DECLARE_CALLBACK,
    SYSTEMS,
    DeclareForm,
    FormErrors,
    matching_options,
    read_declare_form,
)
from app.slack.deps import SlackDeps
from app.slack.listeners import errors

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.options(SYSTEMS)
    async def systems_typed(ack: AsyncAck, payload: dict[str, Any]) -> None:
        """Past 100 systems the form asks as the person types; answered from the catalog."""
        await ack(options=matching_options(deps.ctx.catalog, str(payload.get("value") or "")))

    @app.view(DECLARE_CALLBACK)
    async def declare_submitted(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        try:
            form = read_declare_form(view, deps.ctx.severities)
        except FormErrors as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        await ack()
        user = body["user"]["id"]
        await errors.after_form_closed(
            deps, client, user, context.get(CONTEXT_KEY), lambda: _declare(deps, user, form)
        )


async def _declare(deps: SlackDeps, user: str, form: DeclareForm) -> None:
    declaration = Declaration(
        title=form.title,
        severity=form.severity or "",
        declared_by=user,
        private=form.private,
        affected=form.affected,
        impact=form.impact,
        from_channel=form.channel_id,
        response_url=form.response_url,
        systems=form.systems,
        playbook=form.playbook,
    )
    declared = await deps.run(declare_incident, declaration)
    if declared.systems:
        await deps.run(impact.after_declaration, declared.number, list(declared.systems), user)
