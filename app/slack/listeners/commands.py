"""`/incident`: ack at once (with the error for bad input), then do the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import WarroomError
from app.domain.text import escape
from app.slack import parsing as p
from app.slack import parsing_actions as actions
from app.slack import parsing_drills as drills
from app.slack import parsing_glossary as glossary
from app.slack import parsing_models as models
from app.slack import parsing_playbooks as books
from app.slack.ack_gate import CONTEXT_KEY
from app.slack.blocks.modals import declare_modal
from app.slack.blocks.replies import help_message
from app.slack.deps import SlackDeps
from app.slack.listeners import action_items, clocks, errors, postmortem
from app.slack.listeners import drills as drill_commands
from app.slack.listeners import incident_commands as handlers

HANDLERS: dict[type, Callable[[handlers.Call, Any], Awaitable[None]]] = {
    p.Declare: handlers.declare,
    p.Assign: handlers.assign,
    p.Unassign: handlers.unassign,
    p.ShowRoles: handlers.show_roles,
    p.SetSeverity: handlers.severity,
    p.SetStatus: handlers.status,
    p.Resolve: handlers.resolve,
    p.Reopen: handlers.reopen,
    p.AddNote: handlers.note,
    p.ShowTimeline: handlers.show_timeline,
    p.OpenUpdateForm: handlers.open_update_form,
    p.AskDecision: handlers.ask_decision,
    p.Decide: handlers.decide,
    p.SettleDecision: handlers.settle_decision,
    p.ListDecisions: handlers.list_decisions,
    p.ShowSummary: handlers.show_summary,
    models.Affects: handlers.affects,
    models.ShowImpact: handlers.show_impact,
    models.ShowCatalog: handlers.show_catalog,
    models.Rollback: handlers.rollback,
    books.AttachPlaybook: handlers.attach_playbook,
    books.ShowChecklist: handlers.show_checklist,
    books.SetStep: handlers.set_step,
    books.RecordEvidence: handlers.record_evidence,
    books.RaiseHypothesis: handlers.raise_hypothesis,
    books.MoveHypothesis: handlers.move_hypothesis,
    books.ListHypotheses: handlers.list_hypotheses,
    books.ShowRemediation: handlers.show_remediation,
    glossary.ShowGlossary: handlers.show_glossary,
    glossary.AddGlossaryTerm: handlers.add_glossary_term,
    actions.RecordAction: action_items.record,
    actions.CloseAction: action_items.close,
    actions.ListActions: action_items.show,
    drills.StartDrill: drill_commands.drill,
    **postmortem.HANDLERS,
    **clocks.HANDLERS,
}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/incident")
    async def incident_command(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        with deps.activity.track():
            call = handlers.Call(deps, command, client)
            try:
                parsed = deps.parser.parse(command.get("text", ""), command["user_id"])
            except WarroomError as exc:
                await ack(response_type="ephemeral", text=exc.message)
                return
            if isinstance(parsed, p.Help):
                message = help_message(parsed.unknown)
                await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)
                return
            if isinstance(parsed, p.Declare) and parsed.severity is None:
                await ack()
                try:
                    await open_declare_form(deps, client, command, parsed.private)
                except Exception as exc:
                    await errors.report(exc, call.reply)
                return
            await ack(**_acknowledgement(parsed))
            await deps.gate.follow_up(lambda: _handle(call, parsed), context.get(CONTEXT_KEY))


async def _handle(call: handlers.Call, parsed: p.Command) -> None:
    try:
        await HANDLERS[type(parsed)](call, parsed)
    except Exception as exc:
        await errors.report(exc, call.reply)


def _acknowledgement(parsed: p.Command) -> dict[str, Any]:
    if isinstance(parsed, p.Declare):
        severity = (parsed.severity or "").upper()
        text = f":hourglass_flowing_sand: Declaring a {severity} incident…"
        return {"response_type": "ephemeral", "text": text}
    if isinstance(parsed, drills.StartDrill) and parsed.scenario:
        text = f":hourglass_flowing_sand: Starting the drill `{escape(parsed.scenario)}`…"
        return {"response_type": "ephemeral", "text": text}
    return {}


async def open_declare_form(
    deps: SlackDeps, client: AsyncWebClient, command: dict[str, Any], private: bool
) -> None:
    view = declare_modal(
        deps.ctx.severities,
        private=private,
        response_url=command.get("response_url"),
        channel_id=command.get("channel_id"),
        catalog=deps.ctx.catalog,
        playbooks=deps.ctx.playbooks,
    )
    await client.views_open(trigger_id=command["trigger_id"], view=view)
