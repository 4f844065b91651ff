"""Turns a typed outbox message plus the incident's current state into a Slack message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.catalog import Catalog
from app.domain.incident import IncidentSnapshot
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.rendering.context import incident_view, person, role_view
from app.rendering.templates import TemplateRenderer
from app.services import outbox_messages as said
from app.slack.blocks import action_items, alerts, impact, notices, playbooks
from app.slack.blocks import incident as standing
from app.slack.blocks.common import Message, fallback, section, sections
from app.slack.blocks.decisions import decision_made, decision_message
from app.slack.blocks.satisfaction import feedback_buttons

Renderer = Callable[[IncidentSnapshot, Any], Message]


class MessageBook:
    """One renderer per kind of message (checked complete when the book is built)."""

    def __init__(
        self,
        templates: TemplateRenderer,
        severities: SeverityScale,
        roles: RoleCatalog,
        catalog: Catalog | None = None,
    ) -> None:
        self.templates = templates
        self.catalog = catalog or Catalog()
        self.severities = severities
        self.roles = roles
        self._catalog = {role.key: role for role in roles}
        self._renderers: dict[type[said.Said], Renderer] = {
            said.Kickoff: lambda i, m: standing.kickoff(self.view(i), templates),
            said.Announcement: lambda i, m: standing.announcement(self.view(i), templates),
            said.Declared: lambda i, m: notices.declared(i),
            said.SeverityChanged: lambda i, m: notices.severity_changed(m, severities),
            said.StatusChanged: lambda i, m: notices.status_changed(m),
            said.Reopened: notices.reopened,
            said.RoleAssigned: lambda i, m: notices.role_assigned(m, self._title(m.role)),
            said.RoleUnassigned: lambda i, m: notices.role_unassigned(m, self._title(m.role)),
            said.RoleInstructions: self.role_instructions,
            said.NoteAdded: lambda i, m: notices.note_added(m),
            said.ChannelFailed: notices.channel_failed,
            said.DecisionAsked: lambda i, m: decision_message(m),
            said.DecisionMade: lambda i, m: decision_made(m),
            said.BlastRadiusShown: lambda i, m: impact.blast_radius_message(m, self.catalog),
            said.SeveritySuggested: lambda i, m: impact.severity_suggestion(m, severities),
            said.RollbackDone: lambda i, m: impact.rollback_done(m),
            said.RollbackFailed: lambda i, m: impact.rollback_failed(m),
            said.ChecklistShown: lambda i, m: playbooks.checklist_message(m),
            said.EvidenceRecorded: lambda i, m: playbooks.evidence_recorded(m),
            said.HypothesisMoved: lambda i, m: playbooks.hypothesis_moved(m),
            said.AlertsShown: lambda i, m: alerts.alerts_message(m),
            said.CommandWanted: alerts.command_wanted,
            said.ActionItemRecorded: action_items.recorded,
            said.ActionItemDone: action_items.done,
            said.ActionItemDue: action_items.due,
        }
        # Said in the triage channel, about no incident (yet).
        self._standalone: dict[type[said.Said], Callable[[Any], Message]] = {
            said.AlertProposed: lambda m: alerts.proposal_message(m, severities),
            said.AlertNoted: alerts.alert_noted,
        }
        known = set(self._renderers) | set(self._standalone) | {said.Text} | said.NOT_FOR_SLACK
        missing = set(said.KINDS.values()) - known
        if missing:  # a kind added without a renderer stops start-up, not a live incident
            raise RuntimeError(f"no renderer for {sorted(k.KIND for k in missing)}")

    def render(self, message: said.Said, incident: IncidentSnapshot | None) -> Message:
        if isinstance(message, said.Text):  # already rendered from a template
            words = rendered(message.text)
            if message.update_id is None or message.audience is None:
                return words
            asked = feedback_buttons(message.update_id, message.audience)
            return Message(text=words.text, blocks=[*words.blocks[: 50 - len(asked)], *asked])
        if type(message) in self._standalone:
            return self._standalone[type(message)](message)
        if incident is None:
            raise ValueError(f"a {message.KIND!r} message needs its incident")
        return self._renderers[type(message)](incident, message)

    def view(self, incident: IncidentSnapshot):  # type: ignore[no-untyped-def]
        return incident_view(incident, self._catalog)

    def topic(self, incident: IncidentSnapshot) -> str:
        return standing.topic(incident)

    def role_instructions(self, incident: IncidentSnapshot, m: said.RoleInstructions) -> Message:
        role = self.roles.get(m.role)
        body = self.templates.render(
            "role_instructions",
            incident=self.view(incident),
            role=role_view(role),
            assigned_by=person(m.by),
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
