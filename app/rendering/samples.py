"""Sample data for every template, so a broken template stops start-up, not a live incident."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.incident import IncidentSnapshot, RoleSlot
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.domain.status import Status
from app.rendering.context import incident_view, person, role_view
from app.rendering.templates import TemplateProblem, TemplateRenderer

SAMPLE_TITLE = "Fraud model precision dropped 15% <!channel> & {{ 7*7 }}"


def sample_incident(severities: SeverityScale, roles: RoleCatalog) -> IncidentSnapshot:
    declared = datetime(2026, 3, 4, 2, 15, tzinfo=UTC)
    holders = {"commander": "U0SAMPLE1", "tech-lead": "U0SAMPLE2"}
    return IncidentSnapshot(
        number=42,
        title=SAMPLE_TITLE,
        severity=next(iter(severities)),
        status=Status.CONTAINED,
        private=False,
        declared_by="U0SAMPLE1",
        declared_at=declared,
        affected="fraud-scorer v42 (card transactions, EU)",
        impact="False declines up 3x since 02:00 UTC; ~1,200 customers affected",
        summary="Rolled back to v41; precision back to baseline.",
        channel_id="C0SAMPLE1",
        roles=tuple(RoleSlot(r.key, r.title, holders.get(r.key)) for r in roles),
        milestones={"investigating": declared, "contained": declared + timedelta(minutes=25)},
    )


def sample_contexts(
    severities: SeverityScale, roles: RoleCatalog
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Template name -> the context the app renders it with, filled with sample data."""
    catalog = {r.key: r for r in roles}
    view = incident_view(sample_incident(severities, roles), catalog)
    return {
        "kickoff": lambda: {"incident": view},
        "announcement": lambda: {"incident": view},
        "role_instructions": lambda: {
            "incident": view,
            "role": role_view(roles.get("tech-lead")),
            "assigned_by": person("U0SAMPLE1"),
        },
    }


def check_templates(
    templates: TemplateRenderer, severities: SeverityScale, roles: RoleCatalog
) -> list[str]:
    """Every problem found, each naming the file (and line when known)."""
    problems = []
    for name, context in sample_contexts(severities, roles).items():
        if not templates.exists(name):
            problems.append(f"{templates.folder / (name + '.j2')}: missing")
            continue
        try:
            templates.render(name, **context())
        except TemplateProblem as exc:
            problems.append(str(exc))
    return problems
