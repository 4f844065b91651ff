"""Sample data for every template, so a broken template stops start-up, not a live incident."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.audiences import AudienceList
from app.domain.decisions import DecisionStatus
from app.domain.glossary import Term
from app.domain.incident import IncidentSnapshot, RoleSlot
from app.domain.regulatory_clocks import RunningClock
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.domain.status import Status
from app.rendering.context import (
    AudienceView,
    ClockView,
    DecisionView,
    PlaybookView,
    UpdateView,
    WorkView,
    change_view,
    incident_view,
    person,
    role_view,
    slack_date,
)
from app.rendering.email import EMAIL_HTML, EMAIL_SUBJECT, html_templates
from app.rendering.templates import Markup, TemplateProblem, TemplateRenderer

SAMPLE_TITLE = "Fraud model precision dropped 15% <!channel> & {{ 7*7 }}"


SAMPLE_DECLARED = datetime(2026, 3, 4, 2, 15, tzinfo=UTC)


def sample_incident(severities: SeverityScale, roles: RoleCatalog) -> IncidentSnapshot:
    declared = SAMPLE_DECLARED
    holders = {"commander": "U0SAMPLE1", "tech-lead": "U0SAMPLE2", "comms": "U0SAMPLE3"}
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
        systems=(("fs-online", None), ("fraud-scorer", "champion → v12, since 2026-03-03 23:10")),
        functions=("Fraud & risk <!here>", "Customer support"),
        clocks=(
            RunningClock(
                "personal-data",
                "GDPR Art. 33 <!channel>",
                declared - timedelta(hours=1),
                declared + timedelta(hours=71),
            ),
        ),
        as_of=declared + timedelta(hours=1),
    )


SAMPLE_NARRATIVE = UpdateView(
    what_changed="Rolled back fraud-scorer to v41 at 02:40 <@U0SAMPLE2> {{ 7*7 }}",
    impact="About 1,200 card payments wrongly declined in the EU since 02:00 UTC",
    uncertain="Whether the upstream schema change also reached the chargeback model",
    next_steps="Confirm precision is back to baseline; patch the feature pipeline",
    author=person("U0SAMPLE1"),
    automatic=False,
    at=slack_date(SAMPLE_DECLARED + timedelta(minutes=45)),
)


SAMPLE_PLAYBOOK = PlaybookView(
    name="model-drift",
    title="Model performance drop (data or concept drift) <!channel>",
    phase="containment",
    phase_plain="Containment: stopping the harm",
    open_steps=["freeze-pipeline (Halt the model's CI/CD pipeline)"],
)
SAMPLE_WORK = WorkView(
    overrides=["contained (D-3: freeze-pipeline): fallback serving, freeze under way"],
    overrides_plain=["moved to contained with 1 checklist step still open (D-3)"],
    hypotheses=["H-1 confirmed: upstream schema change nulled transaction_amount <@U0X>"],
    evidence=["E-1 dataset: s3://snapshots/fraud/2026-03-04T02"],
)

SAMPLE_TERMS = [
    Term("PSI", "How far the inputs moved from the training data; above 0.2 is the usual alarm."),
    Term(
        "rollback <!here>", "Switching back to the previous model version {{ 7*7 }}", added_by="U0S"
    ),
]


SAMPLE_DECISION = DecisionView(
    ref="D-2",
    question="Roll back to v41 and lose a week of improvements? <!here>",
    options=["Roll back", "Hold", "Fallback"],
    owner=person("U0SAMPLE1"),
    due=slack_date(SAMPLE_DECLARED + timedelta(minutes=50)),
    status=DecisionStatus.PENDING.value,
    outcome="",
    decided_by=person(None, "nobody yet"),
    rationale="",
)
SAMPLE_MADE = DecisionView(
    ref="D-1",
    question="Switch card scoring to the rule-based fallback?",
    options=["Approve", "Reject"],
    owner=person("U0SAMPLE1"),
    due=slack_date(SAMPLE_DECLARED + timedelta(minutes=30)),
    status=DecisionStatus.DECIDED.value,
    outcome="Approve",
    decided_by=person("U0SAMPLE1"),
    rationale="Fallback precision is known; losses stop now {{ 7*7 }}",
)


SAMPLE_AWARE = SAMPLE_DECLARED - timedelta(hours=1)  # became aware before declaring
SAMPLE_CLOCK = ClockView(
    key="personal-data",
    label="GDPR Art. 33 <!here> {{ 7*7 }}",
    status="running",
    left="41h left",
    overdue=False,
    started=slack_date(SAMPLE_AWARE),
    due=slack_date(SAMPLE_AWARE + timedelta(hours=72)),
    notify_role="compliance",
    reference="",
)
SAMPLE_NOTIFIED = ClockView(
    key="ai-act-serious",
    label="AI Act Art. 73 (serious incident)",
    status="notified",
    left="notified on time",
    overdue=False,
    started=slack_date(SAMPLE_DECLARED),
    due=slack_date(SAMPLE_DECLARED + timedelta(days=15)),
    notify_role="compliance",
    reference="AI-OFFICE-2026-0042 <!channel>",
)
SAMPLE_OVERDUE = ClockView(
    key="personal-data",
    label="GDPR Art. 33",
    status="running",
    left="overdue by 3h",
    overdue=True,
    started=slack_date(SAMPLE_AWARE),
    due=slack_date(SAMPLE_AWARE + timedelta(hours=72)),
    notify_role="compliance",
    reference="",
)


def _clock_reminder(clock: ClockView, holder: bool, to_commander: bool) -> dict[str, Any]:
    return {
        "clock": clock,
        "role": "Compliance",
        "share_gone": "75%",
        "holder": person("U0SAMPLE4") if holder else None,
        "to_commander": to_commander,
    }


def sample_contexts(
    severities: SeverityScale, roles: RoleCatalog, audiences: AudienceList | None = None
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Template name -> the context the app renders it with, filled with sample data."""
    catalog = {r.key: r for r in roles}
    incident = sample_incident(severities, roles)
    now = SAMPLE_DECLARED + timedelta(hours=1)
    view = incident_view(incident, catalog, now)
    base: dict[str, Any] = {"incident": view}
    contexts: dict[str, Callable[[], dict[str, Any]]] = {
        "kickoff": lambda: base,
        "announcement": lambda: base,
        "role_instructions": lambda: {
            **base,
            "role": role_view(roles.get("tech-lead")),
            "assigned_by": person("U0SAMPLE1"),
        },
        "reminders/narrative_request": lambda: {
            **base,
            "owner": person("U0SAMPLE3"),
            "audiences": ["Technical", "Business"],
            "next_update": slack_date(now + timedelta(minutes=30)),
        },
        "reminders/update_due": lambda: {
            **base,
            "owners": Markup("<@U0SAMPLE3> <@U0SAMPLE1>"),
            "audiences": ["Customer"],
            "due": slack_date(now),
        },
        "reminders/update_overdue": lambda: {
            **base,
            "audiences": ["Customer"],
            "due": slack_date(now),
            "silent_for": "45m",
            "owners": Markup("<@U0SAMPLE3>"),
        },
        "reminders/decision_due": lambda: {
            **base,
            "decision": SAMPLE_DECISION,
            "overdue_for": "20m",
        },
        "reminders/decision_nudge": lambda: {
            **base,
            "decision": SAMPLE_DECISION,
            "overdue_for": "",
        },
        "reminders/decision_escalated": lambda: {
            **base,
            "decision": SAMPLE_DECISION,
            "overdue_for": "50m",
        },
        "summary": lambda: {
            **base,
            "update": SAMPLE_NARRATIVE,
            "decisions_pending": [SAMPLE_DECISION],
            "decisions_made": [SAMPLE_MADE],
            "next_update": slack_date(now + timedelta(minutes=30)),
            "clocks": [SAMPLE_CLOCK, SAMPLE_NOTIFIED],
        },
        "digest": lambda: {
            "day": "Wednesday 4 March 2026",
            "incidents": [view],
            "decisions_made": [{"incident": "INC-42", "decision": SAMPLE_MADE}],
            "decisions_pending": [{"incident": "INC-42", "decision": SAMPLE_DECISION}],
        },
        "terms": lambda: {"terms": SAMPLE_TERMS},
        # Each case the app renders them in: the holder, the commander with nobody holding the
        # role, and the commander told of an overdue clock as well.
        "reminders/clock_due": lambda: {**base, **_clock_reminder(SAMPLE_CLOCK, True, False)},
        "reminders/clock_nudge": lambda: {**base, **_clock_reminder(SAMPLE_OVERDUE, True, False)},
        "reminders/held_back": lambda: {
            **base,
            "owner": person("U0SAMPLE3"),
            "audience": "Customer",
            "template": "updates/customer",
            "reason": "not approved",
        },
    }
    for audience in audiences or []:
        update = {
            **base,
            "update": SAMPLE_NARRATIVE,
            "changes": [
                change_view(now, "U0SAMPLE2", "status", "Status investigating → contained")
            ],
            "decisions_pending": [SAMPLE_DECISION],
            "next_update": slack_date(now + timedelta(minutes=30)),
            "audience": AudienceView(audience.key, audience.title),
            "playbook": SAMPLE_PLAYBOOK,
            "work": SAMPLE_WORK,
            "clocks": [SAMPLE_CLOCK, SAMPLE_NOTIFIED],
        }
        contexts[f"updates/{audience.key}"] = lambda update=update: update  # type: ignore[misc]
        contexts[f"resolution/{audience.key}"] = lambda update=update: update  # type: ignore[misc]
    return contexts


def check_templates(
    templates: TemplateRenderer,
    severities: SeverityScale,
    roles: RoleCatalog,
    audiences: AudienceList | None = None,
) -> list[str]:
    """Every problem found, each naming the file (and line when known)."""
    problems = []
    html = html_templates(templates.folder)
    for name, context in sample_contexts(severities, roles, audiences).items():
        if not templates.exists(name):
            problems.append(f"{templates.folder / (name + '.j2')}: missing")
            continue
        # An email's optional siblings: its subject line and its HTML part.
        for template, renderer in ((name, templates), *email_siblings(templates, name, html)):
            try:
                renderer.render(template, **context())
            except TemplateProblem as exc:
                problems.append(str(exc))
    return problems


def email_siblings(
    templates: TemplateRenderer, name: str, html: TemplateRenderer
) -> list[tuple[str, TemplateRenderer]]:
    """The siblings a template has for email (`<name>.subject`, `<name>.html`), with the
    renderer of each."""
    found = [(f"{name}.{EMAIL_SUBJECT}", templates), (f"{name}.{EMAIL_HTML}", html)]
    return [(sibling, renderer) for sibling, renderer in found if templates.exists(sibling)]
