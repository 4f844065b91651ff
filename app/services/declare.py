"""Declaring an incident: the record first, then every Slack step as outbox work."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from app import log_context
from app.domain.channel_names import incident_channel_name
from app.domain.errors import InvalidInput
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import truncate
from app.persistence.tables import AlertLink, Incident, RoleAssignment, StatusMilestone
from app.services import alert_views, cadence, impact, playbooks
from app.services import outbox_messages as said
from app.services.context import BOT_ACTOR, Op, ServiceContext, Unit

log = logging.getLogger(__name__)

MAX_TITLE = 150


@dataclass(frozen=True)
class Declaration:
    title: str
    severity: str
    declared_by: str
    private: bool = False
    affected: str = ""
    impact: str = ""
    from_channel: str | None = None
    response_url: str | None = None
    systems: tuple[str, ...] = ()  # affected catalog systems
    playbook: str | None = None  # named; else the first affected system's, if any
    started_at: datetime | None = None  # when the problem began (an alert's startsAt)
    detected_at: datetime | None = None  # when it was noticed; None: now
    detected_by: str | None = None  # "alert:<source>"; None: the declarer
    drill: bool = False  # an exercise: its own channel only, never announced

    @property
    def by_alert(self) -> bool:
        """Declared by Warroom from an alert: nobody commands it until someone takes it."""
        return self.declared_by == BOT_ACTOR


@dataclass(frozen=True)
class Declared:
    number: int
    channel_name: str
    severity: str
    systems: tuple[str, ...] = ()  # recorded; their blast radius is acted on after

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


def from_alert(
    link: AlertLink,
    severity: str,
    user: str,
    *,
    playbook: str | None,
    detected_at: datetime,
    known_systems: Collection[str],
    from_channel: str | None = None,
    response_url: str | None = None,
) -> Declaration:
    """What a person declares from an alert (pressing Declare on a proposal, or Split)."""
    system = link.system if link.system in known_systems else None
    return Declaration(
        title=truncate(" ".join(link.title.split()), MAX_TITLE) or link.key,
        severity=severity,
        declared_by=user,
        from_channel=from_channel,
        response_url=response_url,
        systems=(system,) if system else (),
        playbook=playbook,
        started_at=link.started_at,
        detected_at=detected_at,
        detected_by=f"alert:{link.source}",
    )


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput(
            "An incident needs a title. Try `/incident declare sev2 Fraud model precision "
            "dropped 15%`, or `/incident declare` alone for a form."
        )
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput(
            f"Keep the title under {MAX_TITLE} characters (this one has {len(cleaned)}); "
            "add detail afterwards with `/incident note`."
        )
    return cleaned


def declare_incident(ctx: ServiceContext, d: Declaration) -> Declared:
    with ctx.unit() as unit:
        declared = declare_in(ctx, unit, d)
    log.info("INC-%s declared (%s%s)", declared.number, declared.severity, _a_drill(d))
    return declared


def _a_drill(d: Declaration) -> str:
    return ", a drill" if d.drill else ""


def declare_in(ctx: ServiceContext, unit: Unit, d: Declaration) -> Declared:
    """Declare inside a use case's transaction (the alert intake declares beside its links)."""
    severity = ctx.severities.get(d.severity)
    title = clean_title(d.title)
    systems = [s.key for s in ctx.catalog.systems_named(d.systems)] if d.systems else []
    named = playbooks.playbook_named(ctx, d.playbook) if d.playbook else None
    playbook = named or playbooks.from_catalog(ctx, systems)
    incident = Incident(
        title=title,
        severity=severity.key,
        status=Status.INVESTIGATING.value,
        private=d.private,
        affected=d.affected.strip(),
        impact=d.impact.strip(),
        declared_by=d.declared_by,
        declared_at=unit.now,
        updated_at=unit.now,
        declared_from_channel=d.from_channel,
        detected_by=d.detected_by or d.declared_by,
        detected_at=d.detected_at or unit.now,
        started_at=d.started_at,
        drill=d.drill,
    )
    unit.session.add(incident)
    unit.session.flush()
    assert incident.id is not None
    log_context.working_on(incident.id)
    incident.channel_name = incident_channel_name(incident.id, title, drill=d.drill)
    _record_start(unit, incident, commander=not d.by_alert)
    cadence.start(ctx, unit, incident)
    _plan_slack_steps(ctx, unit, incident, d.response_url, by_alert=d.by_alert)
    impact.store(unit, incident, systems, d.declared_by)
    if not d.drill:  # a drill is never offered to real alerts
        alert_views.offer_attach(ctx, unit, systems)
    if playbook is not None:
        playbooks.record(ctx, unit, incident, playbook, d.declared_by)
    return Declared(incident.id, incident.channel_name, severity.key, tuple(systems))


def _record_start(unit: Unit, incident: Incident, *, commander: bool) -> None:
    """The declarer commands; an incident declared from an alert waits for someone to take it."""
    assert incident.id is not None
    unit.session.add(
        StatusMilestone(incident_id=incident.id, status=incident.status, reached_at=unit.now)
    )
    if commander:
        unit.session.add(
            RoleAssignment(
                incident_id=incident.id,
                role=COMMANDER,
                user_id=incident.declared_by,
                assigned_by=incident.declared_by,
                started_at=unit.now,
            )
        )
    unit.log(
        incident.id,
        incident.declared_by,
        "declared",
        f"Declared {incident.severity.upper()}: {incident.title}"
        + (" (private)" if incident.private else ""),
    )


def _plan_slack_steps(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    response_url: str | None,
    *,
    by_alert: bool = False,
) -> None:
    """Channel first; then invite, topic, kickoff (pinned as soon as it is posted),
    announcement and reply run side by side."""
    assert incident.id is not None
    number = incident.id
    channel = unit.say(Op.CREATE_CHANNEL, incident_id=number)
    if not by_alert:  # nobody to invite or answer: the owners are asked once it exists
        unit.say(Op.INVITE, incident_id=number, payload={"users": [incident.declared_by]})
    unit.refresh(number)
    kickoff = unit.post_in_incident(number, said.Kickoff())
    kickoff.payload = {**kickoff.payload, "record_as": "kickoff", "pin": True}
    if not (incident.private or incident.drill):  # a drill is never announced
        unit.say(
            Op.POST,
            incident_id=number,
            channel=ctx.config.announcements_channel,
            payload={**said.Announcement().encode(), "record_as": "announcement"},
            depends_on=channel.id,  # it links to the channel
            sequence_key=f"channel:{ctx.config.announcements_channel}",
        )
    if by_alert:
        return
    unit.say(
        Op.RESPOND,
        incident_id=number,
        payload={
            "response_url": response_url,
            "user": incident.declared_by,
            **said.Declared().encode(),
        },
    )
