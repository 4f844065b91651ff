"""What templates see: plain values (escaped on output) and app-built markup (Markup)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain.durations import humanize
from app.domain.incident import BOT_ACTOR, IncidentSnapshot
from app.domain.regulatory_clocks import NOTIFIED, notified_state, time_left
from app.domain.roles import Role
from app.domain.status import Status
from app.domain.text import mention
from app.rendering.templates import Markup


def slack_date(moment: datetime) -> Markup:
    """Shown in each reader's own time zone by Slack; the fallback is UTC."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>")


def person(user_id: str | None, missing: str = "unassigned") -> Markup:
    return Markup(mention(user_id)) if user_id else Markup(f"_{missing}_")


def declarer(user_id: str) -> Markup:
    """Who declared it: a person, or Warroom itself on an alert's word."""
    return Markup("Warroom, from an alert") if user_id == BOT_ACTOR else person(user_id)


@dataclass(frozen=True)
class RoleView:
    key: str
    title: str
    holder: Markup | None
    description: Markup
    instructions: Markup


@dataclass(frozen=True)
class SystemView:
    key: str  # the catalog's name for it
    version: str  # "champion → v12, since …" for a model in the registry, else ""


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
    comms: Markup
    declared_by: Markup
    declared_at: Markup
    channel: Markup
    roles: list[RoleView]
    age: str  # how long since it was declared, at the time of rendering
    time_to_containment: str
    time_to_resolution: str
    systems: list[SystemView] = field(default_factory=list)  # affected catalog systems
    functions: list[str] = field(default_factory=list)  # business functions, in their words


def incident_view(
    incident: IncidentSnapshot, catalog: dict[str, Role], now: datetime | None = None
) -> IncidentView:
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
        comms=person(incident.holder("comms")),
        declared_by=declarer(incident.declared_by),
        declared_at=slack_date(incident.declared_at),
        channel=channel_link(incident),
        roles=[
            role_view(catalog[slot.role], slot.holder)
            for slot in incident.roles
            if slot.role in catalog
        ],
        age=humanize(now - incident.declared_at) if now else "",
        time_to_containment=_since_declared(incident, Status.CONTAINED),
        time_to_resolution=_since_declared(incident, Status.RESOLVED),
        systems=[SystemView(key, version or "") for key, version in incident.systems],
        functions=list(incident.functions),
    )


def _since_declared(incident: IncidentSnapshot, status: Status) -> str:
    reached = incident.milestones.get(status.value)
    return humanize(reached - incident.declared_at) if reached else "not recorded"


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


@dataclass(frozen=True)
class PlaybookView:
    """The playbook an incident follows, as updates show it."""

    name: str
    title: str
    phase: str  # detection, containment, remediation, verification
    phase_plain: str  # "Containment: stopping the harm", for business readers
    open_steps: list[str]  # the current phase's required steps not done (for engineers)


@dataclass(frozen=True)
class WorkView:
    """What updates say about the work: gates passed early, hypotheses, evidence."""

    overrides: list[str]  # for engineers: "contained (D-4: fallback, freeze-pipeline): why"
    overrides_plain: list[str]  # for business: "moved to contained with 2 steps open (D-4)"
    hypotheses: list[str]  # open and confirmed
    evidence: list[str]


@dataclass(frozen=True)
class UpdateView:
    """What a person wrote for an update (for automatic ones: the last human narrative)."""

    what_changed: str
    impact: str
    uncertain: str
    next_steps: str
    author: Markup
    automatic: bool
    at: Markup


@dataclass(frozen=True)
class ChangeView:
    """A timeline entry since the audience's last update."""

    at: Markup
    who: Markup
    kind: str  # severity, status, role, note, pinned, decision…
    text: str


@dataclass(frozen=True)
class AudienceView:
    key: str
    title: str


def change_view(at: datetime, actor: str, kind: str, text: str) -> ChangeView:
    who = Markup("Warroom") if actor == "warroom" else person(actor)
    return ChangeView(slack_time(at), who, kind, text)


def slack_time(moment: datetime) -> Markup:
    return Markup(f"<!date^{int(moment.timestamp())}^{{time}}|{moment:%H:%M} UTC>")


@dataclass(frozen=True)
class DecisionView:
    ref: str
    question: str
    options: list[str]
    owner: Markup
    due: Markup
    status: str  # pending, decided, closed, carried
    outcome: str
    decided_by: Markup
    rationale: str


def decision_view(decision: Any) -> DecisionView:
    """From a Decision row (duck-typed: rendering does not import the tables)."""
    return DecisionView(
        ref=f"D-{decision.number}",
        question=decision.question,
        options=list(decision.options),
        owner=person(decision.owner),
        due=slack_date(decision.due_at),
        status=decision.status,
        outcome=decision.outcome or "",
        decided_by=person(decision.decided_by, "nobody yet"),
        rationale=decision.rationale,
    )


@dataclass(frozen=True)
class ClockView:
    """A regulatory clock as updates, the summary and reminders show it."""

    key: str  # its name in commands: personal-data
    label: str  # GDPR Art. 33
    status: str  # running, notified, unflagged
    left: str  # "41h left", "overdue by 3h", "notified on time", "notified 3h late"
    overdue: bool  # running, and its deadline has come
    started: Markup  # aware since
    due: Markup  # the deadline
    notify_role: str  # the role's key (compliance)
    reference: str  # the authority's reference, once notified


def clock_view(clock: Any, now: datetime) -> ClockView:
    """From a RegulatoryClock row (duck-typed: rendering does not import the tables)."""
    notified = clock.status == NOTIFIED and clock.notified_at is not None
    return ClockView(
        key=clock.clock,
        label=clock.label,
        status=clock.status,
        left=notified_state(clock.due_at, clock.notified_at)
        if notified
        else time_left(clock.due_at, now),
        overdue=not notified and now >= clock.due_at,
        started=slack_date(clock.started_at),
        due=slack_date(clock.due_at),
        notify_role=clock.notify_role,
        reference=clock.reference,
    )
