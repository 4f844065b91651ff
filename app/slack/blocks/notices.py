"""Short messages posted in the incident channel when something changes."""

from __future__ import annotations

from app.domain.incident import IncidentSnapshot
from app.domain.severity import SeverityScale
from app.domain.status import Status
from app.domain.text import escape, mention
from app.services import outbox_messages as said
from app.services.context import BOT_ACTOR
from app.slack.blocks.common import Message, context, fallback, section


def _notice(text: str, *detail: str) -> Message:
    blocks = [section(text)]
    if detail:
        blocks.append(context(*detail))
    return Message(text=fallback(text), blocks=blocks)


def _reason(reason: str) -> str:
    return f": {escape(reason.strip())}" if reason.strip() else ""


def severity_changed(m: said.SeverityChanged, scale: SeverityScale) -> Message:
    before, after = scale.describe(m.before), scale.describe(m.after)
    raised = after.rank < before.rank
    arrow, verb = (":arrow_up:", "raised") if raised else (":arrow_down:", "lowered")
    return _notice(
        f"{arrow} *Severity {verb}* {before.key.upper()} → *{after.display}* "
        f"by {mention(m.by)}{_reason(m.reason)}"
    )


def status_changed(m: said.StatusChanged) -> Message:
    before, after = Status(m.before), Status(m.after)
    regression = after.order < before.order
    icon = ":rewind:" if regression else ":large_blue_circle:"
    word = "moved back" if regression else "now"
    return _notice(
        f"{icon} *Status {word}:* {before.label} → *{after.label}* "
        f"by {mention(m.by)}{_reason(m.reason)}"
    )


def reopened(incident: IncidentSnapshot, m: said.Reopened) -> Message:
    return _notice(
        f":leftwards_arrow_with_hook: *{incident.ref} reopened* by {mention(m.by)}"
        f"{_reason(m.reason)}. Status is back to *Investigating*."
    )


def role_assigned(m: said.RoleAssigned, role_title: str) -> Message:
    text = f":bust_in_silhouette: {mention(m.user)} is now *{role_title}*"
    if m.by == BOT_ACTOR:
        text += ", as an owner of what this incident affects"
    elif m.by and m.by != m.user:
        text += f", assigned by {mention(m.by)}"
    if m.previous:
        text += f" (taking over from {mention(m.previous)})"
    return _notice(text + ".")


def role_unassigned(m: said.RoleUnassigned, role_title: str) -> Message:
    by = "" if m.by == m.user else f" (freed by {mention(m.by)})"
    return _notice(
        f":bust_in_silhouette: {mention(m.user)} is no longer *{role_title}*{by}. "
        f"The role is unfilled: `/incident assign {escape(m.role)} @someone`."
    )


def note_added(m: said.NoteAdded) -> Message:
    return _notice(f":memo: *Note* from {mention(m.by)}: {escape(m.text)}")


def declared(incident: IncidentSnapshot) -> Message:
    where = f"<#{incident.channel_id}>" if incident.channel_id else incident.ref
    return _notice(
        f":white_check_mark: *{incident.ref}* is declared as {incident.severity.key.upper()} "
        f"({incident.severity.label}). "
        f"The war room is {where}; you are the commander until you hand over.",
        "Next: `/incident assign tech-lead @someone` and `/incident assign comms @someone`.",
    )


def channel_failed(incident: IncidentSnapshot, m: said.ChannelFailed) -> Message:
    return _notice(
        f":warning: I recorded *{incident.ref}* but could not create its channel "
        f"(Slack said `{escape(m.error)}`). Ask a workspace admin to "
        "let Warroom create channels, then declare again."
    )
