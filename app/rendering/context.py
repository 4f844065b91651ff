"""What templates see: plain values (escaped on output) and app-built markup (Markup)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.incident import IncidentSnapshot
from app.domain.roles import Role
from app.domain.text import mention
from app.rendering.templates import Markup


def slack_date(moment: datetime) -> Markup:
    """Shown in each reader's own time zone by Slack; the fallback is UTC."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>")


def person(user_id: str | None, missing: str = "unassigned") -> Markup:
    return Markup(mention(user_id)) if user_id else Markup(f"_{missing}_")


@dataclass(frozen=True)
class RoleView:
    key: str
    title: str
    holder: Markup | None
    description: Markup
    instructions: Markup


@dataclass(frozen=True)
class IncidentView:
    ref: str
    number: int
    title: str
    severity: str
    severity_label: str
    status: str
    private: bool
    affected: str
    impact: str
    summary: str
    commander: Markup
    declared_by: Markup
    declared_at: Markup
    channel: Markup
    roles: list[RoleView]


def incident_view(incident: IncidentSnapshot, catalog: dict[str, Role]) -> IncidentView:
    return IncidentView(
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        severity=incident.severity.key.upper(),
        severity_label=incident.severity.label,
        status=incident.status.label,
        private=incident.private,
        affected=incident.affected,
        impact=incident.impact,
        summary=incident.summary,
        commander=person(incident.commander),
        declared_by=person(incident.declared_by),
        declared_at=slack_date(incident.declared_at),
        channel=channel_link(incident),
        roles=[
            role_view(catalog[slot.role], slot.holder)
            for slot in incident.roles
            if slot.role in catalog
        ],
    )


def role_view(role: Role, holder: str | None = None) -> RoleView:
    # Descriptions and instructions come from the operator's configuration: trusted markup.
    return RoleView(
        role.key,
        role.title,
        Markup(mention(holder)) if holder else None,
        Markup(role.description),
        Markup(role.instructions),
    )


def channel_link(incident: IncidentSnapshot) -> Markup:
    return Markup(f"<#{incident.channel_id}>") if incident.channel_id else Markup(incident.ref)
