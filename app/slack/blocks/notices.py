"""Short messages posted in the incident channel when something changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.durations import humanize
from app.domain.incident import IncidentSnapshot
from app.domain.severity import SeverityScale
from app.domain.status import Status
from app.domain.text import escape, mention
from app.slack.blocks.common import Message, context, fallback, section

Params = dict[str, Any]


def _notice(text: str, *detail: str) -> Message:
    blocks = [section(text)]
    if detail:
        blocks.append(context(*detail))
    return Message(text=fallback(text), blocks=blocks)


def _reason(params: Params) -> str:
    reason = (params.get("reason") or "").strip()
    return f": {escape(reason)}" if reason else ""


def severity_changed(incident: IncidentSnapshot, p: Params, scale: SeverityScale) -> Message:
    before, after = scale.describe(p["before"]), scale.describe(p["after"])
    raised = after.rank < before.rank
    arrow, verb = (":arrow_up:", "raised") if raised else (":arrow_down:", "lowered")
    return _notice(
        f"{arrow} *Severity {verb}* {before.key.upper()} → *{after.display}* "
        f"by {mention(p['by'])}{_reason(p)}"
    )


def status_changed(incident: IncidentSnapshot, p: Params) -> Message:
    before, after = Status(p["before"]), Status(p["after"])
    regression = after.order < before.order
    icon = ":rewind:" if regression else ":large_blue_circle:"
    word = "moved back" if regression else "now"
    return _notice(
        f"{icon} *Status {word}:* {before.label} → *{after.label}* "
        f"by {mention(p['by'])}{_reason(p)}"
    )


def resolved(incident: IncidentSnapshot, p: Params) -> Message:
    summary = (p.get("reason") or "").strip()
    text = f":white_check_mark: *{incident.ref} resolved* by {mention(p['by'])}."
    if summary:
        text += f"\n*Summary:* {escape(summary)}"
    return _notice(text, _durations(incident))


def _durations(incident: IncidentSnapshot) -> str:
    start = incident.declared_at

    def since(status: Status) -> str:
        reached: datetime | None = incident.milestones.get(status.value)
        return humanize(reached - start) if reached else "not recorded"

    return (
        f"Time to containment: {since(Status.CONTAINED)} · "
        f"time to resolution: {since(Status.RESOLVED)}"
    )


def reopened(incident: IncidentSnapshot, p: Params) -> Message:
    return _notice(
        f":leftwards_arrow_with_hook: *{incident.ref} reopened* by {mention(p['by'])}"
        f"{_reason(p)}. Status is back to *Investigating*."
    )


def role_assigned(incident: IncidentSnapshot, p: Params, role_title: str) -> Message:
    text = f":bust_in_silhouette: {mention(p['user'])} is now *{role_title}*"
    if p.get("by") and p["by"] != p["user"]:
        text += f", assigned by {mention(p['by'])}"
    if p.get("previous"):
        text += f" (taking over from {mention(p['previous'])})"
    return _notice(text + ".")


def role_unassigned(incident: IncidentSnapshot, p: Params, role_title: str) -> Message:
    by = "" if p["by"] == p["user"] else f" (freed by {mention(p['by'])})"
    return _notice(
        f":bust_in_silhouette: {mention(p['user'])} is no longer *{role_title}*{by}. "
        f"The role is unfilled: `/incident assign {escape(p['role'])} @someone`."
    )


def note_added(incident: IncidentSnapshot, p: Params) -> Message:
    return _notice(f":memo: *Note* from {mention(p['by'])}: {escape(p['text'])}")


def declared(incident: IncidentSnapshot) -> Message:
    where = f"<#{incident.channel_id}>" if incident.channel_id else incident.ref
    return _notice(
        f":white_check_mark: *{incident.ref}* is declared as {incident.severity.key.upper()} "
        f"({incident.severity.label}). "
        f"The war room is {where}; you are the commander until you hand over.",
        "Next: `/incident assign tech-lead @someone` and `/incident assign comms @someone`.",
    )


def channel_failed(incident: IncidentSnapshot, p: Params) -> Message:
    return _notice(
        f":warning: I recorded *{incident.ref}* but could not create its channel "
        f"(Slack said `{escape(str(p.get('error', 'unknown')))}`). Ask a workspace admin to "
        "let Warroom create channels, then declare again."
    )
