"""Alerts in: what each one leads to, by the organisation's rules and the catalog.

Each alert is taken in a transaction of its own, under a lock every replica shares, so an
Alertmanager pair sending the same notification to two replicas declares one incident, and a
storm split across replicas still folds into one. What an alert leads to:

- a repeat of an alert already linked (same fingerprint or dedup_key) folds into what it led
  to: a replay changes nothing; a new value, a resolution or a new firing is logged and the
  incident's alerts message edited in place;
- an alert related to an open incident through the catalog (its system affected, downstream
  of one affected, or part of the same storm) joins that incident as a note;
- otherwise its rule decides: declare (by Warroom, commander vacant until someone takes it),
  propose (in the triage channel), note (in the triage channel), or ignore.

A failure in one alert is that alert's: the others are still taken, and the caller answers so
that the tool retries (the ones already taken then change nothing).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app import log_context
from app.domain.alert_correlation import SAME, OpenIncident, Related, related
from app.domain.alerts import FIRING, RESOLVED, Alert, Decided
from app.domain.text import truncate
from app.persistence.locks import exclusive
from app.persistence.tables import AffectedSystem, AlertLink, AlertProposal, Incident
from app.services import alert_views as views
from app.services import command, impact
from app.services import outbox_messages as said
from app.services.context import BOT_ACTOR, Op, ServiceContext, Unit
from app.services.declare import MAX_TITLE, Declaration, declare_in

log = logging.getLogger(__name__)
LOCK = "alert-intake"


@dataclass
class Intake:
    """What a batch of alerts led to."""

    outcomes: list[str] = field(default_factory=list)  # one per alert, in order
    declared: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # (number, systems)

    @property
    def failed(self) -> int:
        return self.outcomes.count("failed")

    def counts(self) -> dict[str, int]:
        return dict(Counter(self.outcomes))


def receive(ctx: ServiceContext, alerts: Sequence[Alert]) -> Intake:
    """Take each alert; never raises for one alert's fault (it is counted as failed)."""
    intake = Intake()
    for alert in alerts:
        with log_context.scope():  # the incident one alert leads to is noted for it alone
            try:
                intake.outcomes.append(_take(ctx, alert, intake))
            except Exception as exc:  # one alert's fault stays with it; the tool will retry
                log.warning(
                    "alert %s:%s not taken: %s", alert.source, alert.key[:80], type(exc).__name__
                )
                intake.outcomes.append("failed")
    taken = Counter(zip([a.source for a in alerts], intake.outcomes, strict=True))
    for (source, outcome), count in taken.items():
        ctx.health.alerts(source, outcome, count)
    return intake


def follow_up(ctx: ServiceContext, intake: Intake) -> None:
    """After the answer: the blast radius of what was declared (owners asked, registry read)."""
    for number, systems in intake.declared:
        if systems:
            try:
                impact.after_declaration(ctx, number, list(systems), BOT_ACTOR)
            except Exception as exc:
                log.warning("INC-%s blast radius not acted on: %s", number, type(exc).__name__)


def _take(ctx: ServiceContext, alert: Alert, intake: Intake) -> str:
    decided = ctx.alert_rules.decide(alert.labels)
    owners = _owners_if_declared(ctx, alert, decided)  # may ask Slack: before the transaction
    with ctx.unit() as unit:
        exclusive(unit.session, LOCK)  # first: what follows sees every earlier alert committed
        link = unit.session.get(AlertLink, f"{alert.source}:{alert.key}")
        if link is not None:
            folded = _repeat(ctx, unit, link, alert)
            if folded is not None:
                return folded
        if alert.status != FIRING:
            return "ignored"  # resolved or acknowledged, never seen firing: nothing to say
        if decided.action == "ignore":
            return "ignored"
        return _first(ctx, unit, alert, decided, link, owners, intake)


def _first(
    ctx: ServiceContext,
    unit: Unit,
    alert: Alert,
    decided: Decided,
    link: AlertLink | None,
    owners: list[str],
    intake: Intake,
) -> str:
    link = _link(unit, alert, decided, link)
    found = related(
        ctx.catalog,
        alert.system,
        open_incidents(unit.session),
        unit.now,
        ctx.config.alerts.storm_window,
    )
    if found is not None:
        return _join(unit, link, found)
    if decided.action == "note":
        link.how = "noted"
        views.post_in_triage(ctx, unit, _noted(alert), None)
        return "noted"
    if decided.action == "declare":
        return _declare(ctx, unit, alert, decided, link, owners, intake)
    return _propose(ctx, unit, link, decided)


def lock(unit: Unit) -> None:
    """Alerts are taken one at a time across replicas (a drill's as well)."""
    exclusive(unit.session, LOCK)


def fold_into_drill(ctx: ServiceContext, unit: Unit, incident: Incident, alert: Alert) -> str:
    """A drill's alert: through the rules like one from the monitoring, but only ever into its
    drill. It never declares, never proposes or notes in the triage channel, never joins a real
    incident (and real alerts never join a drill: `open_incidents` leaves drills out)."""
    assert incident.id is not None and incident.drill
    link = unit.session.get(AlertLink, f"{alert.source}:{alert.key}")
    if link is not None and link.incident_id == incident.id:
        return _fold_into_incident(ctx, unit, link, alert, incident)
    decided = ctx.alert_rules.decide(alert.labels)
    if decided.action == "ignore":
        unit.log(
            incident.id,
            BOT_ACTOR,
            "alert",
            f"Drill alert ignored by the alert rules: {_title(alert)}. A real one would not "
            "have reached anyone: is that what you want?",
        )
        return "ignored"
    link = _link(unit, alert, decided, link)
    link.incident_id, link.how = incident.id, "attached"
    unit.session.flush()
    unit.log(
        incident.id,
        BOT_ACTOR,
        "alert",
        f"Alert joined the drill: {_described(link)} (the alert rules would have "
        f"{_would(decided)}).",
    )
    views.show_alerts(unit, incident)
    return "attached"


def _would(decided: Decided) -> str:
    severity = f" a {decided.severity.upper()} incident" if decided.severity else " an incident"
    return {
        "declare": f"declared{severity}",
        "propose": f"proposed{severity} in the triage channel",
        "note": "noted it in the triage channel",
    }.get(decided.action, decided.action)


# --- repeats ------------------------------------------------------------------------------


def _repeat(ctx: ServiceContext, unit: Unit, link: AlertLink, alert: Alert) -> str | None:
    """A repeat folded into what the alert led to; None when that is over (the incident is
    resolved, or the proposal dismissed) and the alert fires anew: then it starts afresh."""
    incident = unit.session.get(Incident, link.incident_id) if link.incident_id else None
    if incident is not None and incident.status in views.OPEN_STATUSES:
        return _fold_into_incident(ctx, unit, link, alert, incident)
    proposal = unit.session.get(AlertProposal, link.proposal_id) if link.proposal_id else None
    if proposal is not None and proposal.status == "open":
        return _fold_into_proposal(ctx, unit, link, alert, proposal)
    if alert.status == FIRING and _fires_anew(link, alert):
        return None
    if alert.status != link.status:  # remembered quietly: it ended, or its incident did
        link.status, link.last_seen_at = alert.status, unit.now
        unit.session.add(link)
        return "repeated"
    return "unchanged"


def _fires_anew(link: AlertLink, alert: Alert) -> bool:
    """Firing again after it ended: a new startsAt, or a trigger after a resolve."""
    if link.status == RESOLVED:
        return True
    return bool(alert.started_at and link.started_at and alert.started_at != link.started_at)


def _fold_into_incident(
    ctx: ServiceContext, unit: Unit, link: AlertLink, alert: Alert, incident: Incident
) -> str:
    assert incident.id is not None
    if alert.status == RESOLVED:
        if link.status == RESOLVED:
            return "unchanged"
        _update(unit, link, alert)
        _log_resolved(unit, incident, link)
    elif alert.status != FIRING:
        return "unchanged"  # acknowledged in the tool: nothing for the war room
    elif _fires_anew(link, alert):
        _update(unit, link, alert)
        link.fired += 1
        unit.log(incident.id, BOT_ACTOR, "alert", f"Alert firing again: {_described(link)}.")
    elif alert.value and alert.value != link.value:
        _update(unit, link, alert)
        unit.log(incident.id, BOT_ACTOR, "alert", f"Alert still firing: {_described(link)}.")
    else:
        return "unchanged"  # a replay, or the tool's repeat_interval: nothing new
    unit.session.add(link)
    views.show_alerts(unit, incident)
    return "repeated"


def _log_resolved(unit: Unit, incident: Incident, link: AlertLink) -> None:
    assert incident.id is not None
    still = unit.session.exec(
        select(col(AlertLink.key)).where(
            AlertLink.incident_id == incident.id,
            AlertLink.status == FIRING,
            AlertLink.key != link.key,
        )
    ).all()
    at = f"{unit.now:%H:%M} UTC"
    if still:
        text = f"Alert resolved at {at}: {link.title}. {len(still)} linked alert(s) still firing."
    else:
        text = (
            f"Alert resolved at {at}: {link.title}. No linked alert is firing now: "
            "consider moving to verifying (`/incident status verifying`)."
        )
    unit.log(incident.id, BOT_ACTOR, "alert", text)
    if not still:  # said in the channel too: it is a prompt to act, not just a record
        unit.post_text(incident.id, ":large_green_circle: " + text)


def _fold_into_proposal(
    ctx: ServiceContext, unit: Unit, link: AlertLink, alert: Alert, proposal: AlertProposal
) -> str:
    same_value = not alert.value or alert.value == link.value
    if alert.status == link.status and not _fires_anew(link, alert) and same_value:
        return "unchanged"
    _update(unit, link, alert)
    unit.session.add(link)
    views.redraw_proposal(ctx, unit, proposal)
    return "repeated"


def _update(unit: Unit, link: AlertLink, alert: Alert) -> None:
    link.status = alert.status
    link.value = alert.value or link.value
    link.started_at = alert.started_at or link.started_at
    link.last_seen_at = unit.now


# --- first sight ----------------------------------------------------------------------------


def _link(unit: Unit, alert: Alert, decided: Decided, link: AlertLink | None) -> AlertLink:
    """The alert's link: new, or an old one starting afresh (what it led to is over)."""
    if link is None:
        link = AlertLink(
            key=f"{alert.source}:{alert.key}",
            how="proposed",
            source=alert.source,
            title="",
            status=alert.status,
            first_seen_at=unit.now,
            last_seen_at=unit.now,
        )
    else:
        link.fired += 1
        link.incident_id = link.proposal_id = None
    link.how, link.source, link.title, link.system = (
        "proposed",
        alert.source,
        _title(alert),
        alert.system,
    )
    link.severity, link.playbook = decided.severity, decided.playbook
    link.status, link.value, link.started_at = alert.status, alert.value, alert.started_at
    link.url = alert.links[0][1] if alert.links else None
    link.last_seen_at = unit.now
    unit.session.add(link)
    return link


def _join(unit: Unit, link: AlertLink, found: Related) -> str:
    """Joins an open incident: the same system's as a repeat, others with a Split button."""
    incident = unit.session.get(Incident, found.number)
    assert incident is not None and incident.id is not None
    link.incident_id = incident.id
    link.how = "attached" if found.how == SAME else "correlated"
    unit.session.flush()
    why = "" if found.how == SAME else f" ({found.how} of what it affects)"
    unit.log(incident.id, BOT_ACTOR, "alert", f"Alert joined{why}: {_described(link)}.")
    _earliest_start(incident, link)
    views.show_alerts(unit, incident)
    return "attached"


def _earliest_start(incident: Incident, link: AlertLink) -> None:
    """The problem began when its first alert began firing: a joining alert that began
    earlier moves the incident's start back (time to detect is measured from it)."""
    began = link.started_at
    if began is not None and (incident.started_at is None or began < incident.started_at):
        incident.started_at = began


def _declare(
    ctx: ServiceContext,
    unit: Unit,
    alert: Alert,
    decided: Decided,
    link: AlertLink,
    owners: list[str],
    intake: Intake,
) -> str:
    systems = (alert.system,) if alert.system in ctx.catalog.systems else ()
    declared = declare_in(
        ctx,
        unit,
        Declaration(
            title=link.title,
            severity=decided.severity or ctx.alert_rules.default.severity or "",
            declared_by=BOT_ACTOR,
            affected=alert.system or "",
            impact=truncate(alert.description, 500),
            systems=tuple(s for s in systems if s),
            playbook=decided.playbook,
            started_at=alert.started_at,
            detected_at=unit.now,
            detected_by=f"alert:{alert.source}",
        ),
    )
    incident = unit.session.get(Incident, declared.number)
    assert incident is not None
    link.incident_id, link.how = declared.number, "declared"
    unit.session.flush()
    unit.log(declared.number, BOT_ACTOR, "alert", f"Declared from an alert: {_described(link)}.")
    views.show_alerts(unit, incident)
    _ask_for_command(ctx, unit, incident, owners)
    intake.declared.append((declared.number, declared.systems))
    return "declared"


def _ask_for_command(
    ctx: ServiceContext, unit: Unit, incident: Incident, owners: list[str]
) -> None:
    """The owners of the system are asked in the channel (invited first) and in triage."""
    assert incident.id is not None
    if owners:
        unit.say(Op.INVITE, incident_id=incident.id, payload={"users": owners})
    wanted = said.CommandWanted(incident.id, incident.ref, incident.title, owners)
    unit.post_in_incident(incident.id, wanted)
    triage = said.CommandWanted(incident.id, incident.ref, incident.title, owners, in_triage=True)
    views.post_in_triage(ctx, unit, triage, incident.id)


def _propose(ctx: ServiceContext, unit: Unit, link: AlertLink, decided: Decided) -> str:
    """One open proposal per system: more alerts of it fold into the one already posted."""
    if link.system:
        open_one = unit.session.exec(
            select(AlertProposal).where(
                AlertProposal.system == link.system, AlertProposal.status == "open"
            )
        ).first()
        if open_one is not None:
            link.proposal_id = open_one.id
            unit.session.flush()
            views.redraw_proposal(ctx, unit, open_one)
            return "proposed"
    severity = decided.severity or ctx.alert_rules.default.severity or list(ctx.severities)[-1].key
    proposal = AlertProposal(
        alert_key=link.key,
        system=link.system,
        severity=severity,
        playbook=decided.playbook,
        detected_at=unit.now,
    )
    unit.session.add(proposal)
    unit.session.flush()
    link.proposal_id = proposal.id
    unit.session.flush()
    views.post_proposal(ctx, unit, proposal)
    return "proposed"


def _owners_if_declared(ctx: ServiceContext, alert: Alert, decided: Decided) -> list[str]:
    """Who is asked to take command, when the alert may be declared: the owners of its system
    and of the business functions it serves, as `command` lets take it (groups expanded)."""
    if decided.action != "declare" or alert.status != FIRING:
        return []
    known = alert.system in ctx.catalog.systems
    return command.command_owners(ctx, [alert.system]) if known and alert.system else []


def open_incidents(session: Session) -> list[OpenIncident]:
    rows = list(
        session.exec(
            select(Incident.id, Incident.declared_at, Incident.declared_by).where(
                col(Incident.status).in_(views.OPEN_STATUSES),
                col(Incident.drill).is_(False),  # a real alert never joins an exercise
            )
        )
    )
    ids = [number for number, _, _ in rows]
    systems: dict[int, list[str]] = {number or 0: [] for number in ids}
    if ids:
        for number, key in session.exec(
            select(AffectedSystem.incident_id, AffectedSystem.system).where(
                col(AffectedSystem.incident_id).in_(ids)
            )
        ):
            systems[number].append(key)
    return [
        OpenIncident(number or 0, tuple(systems[number or 0]), at, by == BOT_ACTOR)
        for number, at, by in rows
    ]


def _noted(alert: Alert) -> said.AlertNoted:
    url = alert.links[0][1] if alert.links else None
    return said.AlertNoted(
        _title(alert), alert.source, alert.status, alert.value, alert.system, url
    )


def _title(alert: Alert) -> str:
    title = " ".join(alert.title.split()) or f"Alert from {alert.source}"
    return truncate(title, MAX_TITLE)


def _described(link: AlertLink) -> str:
    value = f" ({link.value})" if link.value else ""
    return f"{link.title}{value}, from {link.source}"
