"""The incident's standing messages: pinned kickoff, announcement, channel topic."""

from __future__ import annotations

from app.domain.drills import MARK
from app.domain.incident import IncidentSnapshot
from app.domain.text import escape, escape_within, mention
from app.rendering.context import IncidentView
from app.rendering.templates import TemplateRenderer
from app.slack.blocks.common import Message, context, fallback, section

TOPIC_LIMIT = 250
TOPIC_CLOCKS = 2  # more would crowd out the title


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
    parts += _clocks(incident)
    prefix = (f"{MARK} " if incident.drill else "") + " · ".join(parts) + " · "
    return prefix + escape_within(incident.title, TOPIC_LIMIT - len(prefix))


def _clocks(incident: IncidentSnapshot) -> list[str]:
    """Each running regulatory clock with its deadline (a topic is set only when something
    changes, so the time left is as of then and the deadline is what stays true)."""
    shown = []
    for clock in incident.clocks[:TOPIC_CLOCKS]:
        by = f"by {clock.due_at:%d %b %H:%M} UTC"
        left = f"{clock.left(incident.as_of)}, " if incident.as_of else ""
        shown.append(f"{escape(clock.label)}: {left}{by}")
    hidden = len(incident.clocks) - len(shown)
    return shown + ([f"+{hidden} more clocks"] if hidden > 0 else [])
