"""One handler per `/incident` subcommand: call the use case, reply to the person.

Changes are announced in the incident channel by the use case (through the outbox); the
replies here are for what only the caller should see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import InvalidInput
from app.domain.text import escape, mention
from app.services import (
    decisions,
    evidence,
    glossary,
    hypotheses,
    impact,
    lifecycle,
    playbooks,
    roles,
    rollbacks,
    summary,
    timeline,
    updates,
)
from app.services.declare import Declaration, declare_incident
from app.slack import parsing as p
from app.slack import parsing_glossary as glossary_words
from app.slack import parsing_models as models
from app.slack import parsing_playbooks as books
from app.slack.api_errors import slack_error_code
from app.slack.blocks import glossary as glossary_blocks
from app.slack.blocks import impact as impact_blocks
from app.slack.blocks import playbooks as book_blocks
from app.slack.blocks.common import Message
from app.slack.blocks.decisions import ask_modal, decisions_list, pending_before_resolve
from app.slack.blocks.replies import roster_message, summary_message, timeline_message
from app.slack.blocks.update_modal import update_form_view
from app.slack.deps import SlackDeps

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One `/incident` invocation: who typed it, where, and how to answer."""

    deps: SlackDeps
    command: dict[str, Any]
    client: AsyncWebClient

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    @property
    def channel(self) -> str:
        return str(self.command.get("channel_id", ""))

    async def run(self, use_case: Any, *args: Any) -> Any:
        return await self.deps.run(use_case, *args)

    async def reply(self, message: Message) -> None:
        """An ephemeral answer only the person who typed the command sees."""
        await self.deps.reply(self.command.get("response_url"), message)


async def declare(call: Call, cmd: p.Declare) -> None:
    declaration = Declaration(
        title=cmd.title,
        severity=cmd.severity or "",
        declared_by=call.user,
        private=cmd.private,
        from_channel=call.channel or None,
        response_url=call.command.get("response_url"),
        systems=tuple(cmd.affects),
        playbook=cmd.playbook,
    )
    declared = await call.run(declare_incident, declaration)
    if declared.systems:  # beside the channel being created, not before it
        await call.run(impact.after_declaration, declared.number, list(declared.systems), call.user)


async def assign(call: Call, cmd: p.Assign) -> None:
    await ensure_person(call.client, cmd.user_id)
    await call.run(roles.assign_role, call.channel, cmd.role, cmd.user_id, call.user)


async def unassign(call: Call, cmd: p.Unassign) -> None:
    await call.run(roles.unassign_role, call.channel, cmd.role, call.user)


async def show_roles(call: Call, cmd: p.ShowRoles) -> None:
    await call.reply(roster_message(await call.run(roles.roster, call.channel)))


async def severity(call: Call, cmd: p.SetSeverity) -> None:
    await call.run(lifecycle.change_severity, call.channel, cmd.severity, cmd.reason, call.user)


async def status(call: Call, cmd: p.SetStatus) -> None:
    await call.run(
        lifecycle.change_status, call.channel, cmd.status, cmd.reason, call.user, cmd.override
    )


async def resolve(call: Call, cmd: p.Resolve) -> None:
    try:
        await call.run(lifecycle.resolve, call.channel, cmd.summary, call.user)
    except decisions.PendingDecisions as refused:  # offer to settle them right there
        await call.reply(pending_before_resolve(refused.message, refused.decisions))


async def reopen(call: Call, cmd: p.Reopen) -> None:
    await call.run(lifecycle.reopen, call.channel, cmd.reason, call.user)


async def note(call: Call, cmd: p.AddNote) -> None:
    await call.run(timeline.add_note, call.channel, cmd.text, call.user)


async def show_timeline(call: Call, cmd: p.ShowTimeline) -> None:
    found = await call.run(timeline.recent_entries, call.channel)
    await call.reply(timeline_message(found.incident_ref, found.entries))


async def open_update_form(call: Call, cmd: p.OpenUpdateForm) -> None:
    form = await call.run(updates.update_form, call.channel, call.user)
    view = update_form_view(form, call.channel)
    await call.client.views_open(trigger_id=call.command["trigger_id"], view=view)


async def ask_decision(call: Call, cmd: p.AskDecision) -> None:
    if not cmd.question:
        view = ask_modal(call.channel)
        await call.client.views_open(trigger_id=call.command["trigger_id"], view=view)
        return
    if cmd.owner:
        await ensure_person(call.client, cmd.owner)
    ask = decisions.Ask(cmd.question, call.user, cmd.options, cmd.owner, cmd.due_in)
    await call.run(decisions.ask_decision, call.channel, ask)


async def decide(call: Call, cmd: p.Decide) -> None:
    await call.run(decisions.decide_by_ref, call.channel, cmd.ref, cmd.choice, call.user)


async def settle_decision(call: Call, cmd: p.SettleDecision) -> None:
    await call.run(decisions.settle_by_ref, call.channel, cmd.ref, call.user, cmd.carry, cmd.reason)


async def list_decisions(call: Call, cmd: p.ListDecisions) -> None:
    ref, found = await call.run(decisions.listed, call.channel)
    await call.reply(decisions_list(ref, found))


async def show_summary(call: Call, cmd: p.ShowSummary) -> None:
    if cmd.post:
        sent = await call.run(summary.post_summary, call.channel, call.user)
        note = f"Sent to the executive audience ({escape(sent.posted_to or '')})."
    else:
        sent = await call.run(summary.summary, call.channel)
        note = "Only you can see this; `/incident summary post` sends it to the executives."
    await call.reply(summary_message(sent.text, f"{note} Wording {escape(sent.approval)}."))


async def ensure_person(client: AsyncWebClient, user_id: str) -> None:
    """Roles go to people: not bots, not deactivated accounts, not unknown IDs."""
    try:
        user = (await client.users_info(user=user_id))["user"]
    except SlackApiError as exc:
        if slack_error_code(exc) in {"user_not_found", "user_not_visible"}:
            raise InvalidInput(f"I can't find {mention(user_id)} in this workspace.") from None
        raise  # Slack not answering is told to the person by errors.explain
    if user.get("is_bot") or user.get("id") == "USLACKBOT":
        raise InvalidInput(f"{mention(user_id)} is a bot; roles go to people.")
    if user.get("deleted"):
        raise InvalidInput(f"{mention(user_id)} is deactivated; choose someone active.")


async def affects(call: Call, cmd: models.Affects) -> None:
    await call.run(impact.affect, call.channel, cmd.systems, call.user)


async def show_impact(call: Call, cmd: models.ShowImpact) -> None:
    found = await call.run(impact.current, call.channel)
    await call.reply(impact_blocks.impact_reply(found.incident_ref, found.radius, found.versions))


async def show_catalog(call: Call, cmd: models.ShowCatalog) -> None:
    catalog = call.deps.ctx.catalog
    if cmd.name is None:
        await call.reply(impact_blocks.catalog_listing(catalog))
        return
    system, versions = await call.run(impact.describe_system, cmd.name)
    await call.reply(impact_blocks.system_message(system, catalog, versions))


async def rollback(call: Call, cmd: models.Rollback) -> None:
    await call.run(rollbacks.propose, call.channel, cmd.model, call.user, cmd.to_version, cmd.undo)


async def attach_playbook(call: Call, cmd: books.AttachPlaybook) -> None:
    if cmd.name is not None:
        await call.run(playbooks.attach, call.channel, cmd.name, call.user)
        return
    ref, playbook, phase = await call.run(playbooks.followed_in, call.channel)
    await call.reply(book_blocks.playbook_status(ref, playbook, phase, call.deps.ctx.playbooks))


async def show_checklist(call: Call, cmd: books.ShowChecklist) -> None:
    await call.run(playbooks.repost_checklist, call.channel)


async def set_step(call: Call, cmd: books.SetStep) -> None:
    changes = await call.run(
        playbooks.set_steps, call.channel, {cmd.step_id: cmd.done}, call.user, cmd.note
    )
    if not changes:
        state = "done" if cmd.done else "not done"
        await call.reply(Message(text=f"`{escape(cmd.step_id)}` is already {state}."))


async def record_evidence(call: Call, cmd: books.RecordEvidence) -> None:
    if cmd.kind is None:
        ref, found = await call.run(evidence.evidence_of, call.channel)
        await call.reply(book_blocks.evidence_list(ref, found))
        return
    await call.run(
        evidence.record_evidence, call.channel, cmd.kind, cmd.reference, cmd.note, call.user
    )


async def raise_hypothesis(call: Call, cmd: books.RaiseHypothesis) -> None:
    await call.run(hypotheses.raise_hypothesis, call.channel, cmd.text, call.user)


async def move_hypothesis(call: Call, cmd: books.MoveHypothesis) -> None:
    await call.run(
        hypotheses.move_hypothesis, call.channel, cmd.number, cmd.state, cmd.outcome, call.user
    )


async def list_hypotheses(call: Call, cmd: books.ListHypotheses) -> None:
    ref, found = await call.run(hypotheses.listed, call.channel)
    await call.reply(book_blocks.hypotheses_list(ref, found))


async def show_remediation(call: Call, cmd: books.ShowRemediation) -> None:
    ref, playbook, _ = await call.run(playbooks.followed_in, call.channel)
    if playbook is None:
        raise InvalidInput(f"{ref} follows no playbook: `/incident playbook <name>` attaches one.")
    await call.reply(book_blocks.remediation_menu(ref, playbook))


async def show_glossary(call: Call, cmd: glossary_words.ShowGlossary) -> None:
    if cmd.term is None:
        await call.reply(glossary_blocks.glossary_listing(await call.run(glossary.everything)))
        return
    await call.reply(glossary_blocks.answer_message(await call.run(glossary.look_up, cmd.term)))


async def add_glossary_term(call: Call, cmd: glossary_words.AddGlossaryTerm) -> None:
    new = glossary.NewTerm(cmd.term, cmd.definition, cmd.aliases, cmd.why)
    term = await call.run(glossary.add_term, call.channel, new, call.user)
    await call.reply(glossary_blocks.added_message(term))
