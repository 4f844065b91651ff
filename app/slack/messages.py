"""Turns an outbox message kind plus the incident's current state into a Slack message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.incident import IncidentSnapshot
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.rendering.context import incident_view, person, role_view
from app.rendering.templates import TemplateRenderer
from app.slack.blocks import incident as standing
from app.slack.blocks import notices
from app.slack.blocks.common import Message, fallback, section, sections
from app.slack.blocks.decisions import decision_made, decision_message


class MessageBook:
    def __init__(
        self, templates: TemplateRenderer, severities: SeverityScale, roles: RoleCatalog
    ) -> None:
        self.templates = templates
        self.severities = severities
        self.roles = roles
        self._catalog = {role.key: role for role in roles}
        self._kinds: dict[str, Callable[[IncidentSnapshot, dict[str, Any]], Message]] = {
            "kickoff": lambda i, p: standing.kickoff(self.view(i), templates),
            "announcement": lambda i, p: standing.announcement(self.view(i), templates),
            "declared": lambda i, p: notices.declared(i),
            "severity_changed": lambda i, p: notices.severity_changed(i, p, severities),
            "status_changed": notices.status_changed,
            "resolved": notices.resolved,
            "reopened": notices.reopened,
            "role_assigned": lambda i, p: notices.role_assigned(i, p, self._title(p["role"])),
            "role_unassigned": lambda i, p: notices.role_unassigned(i, p, self._title(p["role"])),
            "role_instructions": self.role_instructions,
            "note_added": notices.note_added,
            "channel_failed": notices.channel_failed,
            "decision": lambda i, p: decision_message(p),
            "decision_made": lambda i, p: decision_made(p),
        }

    def render(
        self, kind: str, incident: IncidentSnapshot | None, params: dict[str, Any]
    ) -> Message:
        if kind == "text":  # words already rendered from a template; no incident needed
            return rendered(params["text"])
        if incident is None:
            raise ValueError(f"a {kind!r} message needs its incident")
        try:
            build = self._kinds[kind]
        except KeyError:
            raise ValueError(f"no message kind {kind!r}") from None
        return build(incident, params)

    def view(self, incident: IncidentSnapshot):  # type: ignore[no-untyped-def]
        return incident_view(incident, self._catalog)

    def topic(self, incident: IncidentSnapshot) -> str:
        return standing.topic(incident)

    def role_instructions(self, incident: IncidentSnapshot, p: dict[str, Any]) -> Message:
        role = self.roles.get(p["role"])
        body = self.templates.render(
            "role_instructions",
            incident=self.view(incident),
            role=role_view(role),
            assigned_by=person(p.get("by")),
        )
        return Message(
            text=fallback(f"You are now {role.title} for {incident.ref}"), blocks=[section(body)]
        )

    def _title(self, role_key: str) -> str:
        role = self._catalog.get(role_key)
        return role.title if role else role_key


def rendered(text: str) -> Message:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return Message(text=fallback(first), blocks=sections(text, most=20))
