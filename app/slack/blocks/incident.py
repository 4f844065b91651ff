"""The incident's standing messages: pinned kickoff, announcement, channel topic."""

from __future__ import annotations

from app.domain.drills import MARK
from app.domain.incident import IncidentSnapshot
from app.domain.text import escape, escape_within, mention
from app.rendering.context import IncidentView
from app.rendering.templates import TemplateRenderer
from app.slack.blocks.common import Message, context, fallback, section

TOPIC_LIMIT = 250


def kickoff(view: IncidentView, templates: TemplateRenderer) -> Message:
    body = templates.render("kickoff", incident=view)
    return Message(
        text=fallback(f"{view.ref} {view.severity}: {escape(view.title)}"),
        blocks=[
            # A mrkdwn section, not a plain_text header, so the title is escaped like all user text.
            section(f":rotating_light: *{view.ref}: {escape_within(view.title, 200)}*"),
            section(body),
            context("Pinned by Warroom and kept current as the incident changes."),
        ],
    )


def announcement(view: IncidentView, templates: TemplateRenderer) -> Message:
    body = templates.render("announcement", incident=view)
    return Message(
        text=fallback(f"{view.ref} {view.severity} {view.status}: {escape(view.title)}"),
        blocks=[section(body)],
    )


def topic(incident: IncidentSnapshot) -> str:
    commander = mention(incident.commander) if incident.commander else "unassigned"
    parts = [
        f"{incident.severity.key.upper()} {incident.severity.label}",
        incident.status.label,
        f"Commander {commander}",
    ]
    if incident.pending_decisions:
        count = incident.pending_decisions
        parts.append(f"{count} decision{'s' if count > 1 else ''} pending")
    prefix = (f"{MARK} " if incident.drill else "") + " · ".join(parts) + " · "
    return prefix + escape_within(incident.title, TOPIC_LIMIT - len(prefix))
