"""Drills: a scenario started as an incident marked as an exercise, its injects played on the
scheduler at their offsets, and a debrief scored against the scenario's targets on resolve.

A drill is declared like any incident (so the team practises the real thing), with
`drill=True`: its channel is `drill-N-…`, it is never announced, every audience hears it in
the drill channel, and everything said is marked [DRILL] (app/services/context.py and the
gateway keep that true whatever code path speaks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select

from app.domain.alerts import FIRING, Alert
from app.domain.drills import (
    KEY_ROLES,
    DrillFacts,
    Line,
    Scenario,
    Targets,
    debrief,
    on_schedule,
)
from app.domain.durations import humanize
from app.domain.errors import InvalidInput
from app.domain.status import Status
from app.domain.text import escape, mention
from app.persistence.tables import (
    AudienceClock,
    Decision,
    DrillInject,
    DrillRun,
    GateOverride,
    Incident,
    IncidentPlaybook,
    RoleAssignment,
    StatusMilestone,
    StatusUpdate,
)
from app.services import alert_intake, wakes
from app.services.context import BOT_ACTOR, ServiceContext, Unit
from app.services.declare import Declaration, Declared, declare_in

log = logging.getLogger(__name__)
TARGET_KEYS = ("first_update", "roles_filled", "containment")
GATED = (Status.CONTAINED, Status.REMEDIATING, Status.VERIFYING, Status.RESOLVED)


@dataclass(frozen=True)
class Started:
    declared: Declared
    scenario: Scenario
    ignored_systems: tuple[str, ...]  # named by the scenario, not in the catalog


def scenarios(ctx: ServiceContext) -> list[Scenario]:
    return [ctx.drills[name] for name in sorted(ctx.drills)]


def start_drill(
    ctx: ServiceContext,
    name: str,
    user: str,
    from_channel: str | None = None,
    response_url: str | None = None,
) -> Started:
    """Declare the scenario's incident as a drill commanded by `user`, and plan its injects."""
    scenario = ctx.drills.get(name.strip().lower())
    if scenario is None:
        known = ", ".join(f"`{n}`" for n in sorted(ctx.drills)) or "none (see WARROOM_DRILLS_DIR)"
        raise InvalidInput(f"There is no drill `{escape(name)}`. Drills: {known}.")
    # The catalog is the organisation's: systems it does not have are left out of the drill.
    systems = tuple(s for s in scenario.affects if s in ctx.catalog.systems)
    ignored = tuple(s for s in scenario.affects if s not in ctx.catalog.systems)
    declaration = Declaration(
        title=scenario.title,
        severity=scenario.severity,
        declared_by=user,
        affected=", ".join(scenario.affects),
        from_channel=from_channel,
        response_url=response_url,
        systems=systems,
        playbook=scenario.playbook if scenario.playbook in ctx.playbooks else None,
        drill=True,
    )
    with ctx.unit() as unit:
        declared = declare_in(ctx, unit, declaration)
        _record_run(unit, declared.number, scenario, user)
        _brief(unit, declared.number, scenario, user)
    return Started(declared, scenario, ignored)


def _record_run(unit: Unit, number: int, scenario: Scenario, user: str) -> None:
    targets = scenario.targets
    unit.session.add(
        DrillRun(
            incident_id=number,
            scenario=scenario.name,
            content={
                "title": scenario.title,
                "targets": {
                    "first_update": _seconds(targets.first_update),
                    "roles_filled": _seconds(targets.roles_filled),
                    "containment": _seconds(targets.containment),
                },
                "injects": len(scenario.injects),
            },
            started_by=user,
            started_at=unit.now,
        )
    )
    for position, inject in enumerate(scenario.injects):
        content: dict[str, Any] = (
            {"as": inject.who, "say": inject.say}
            if inject.alert is None
            else {
                "alert": {
                    "labels": inject.alert.labels,
                    "summary": inject.alert.summary,
                    "value": inject.alert.value,
                }
            }
        )
        due = unit.now + inject.at
        unit.session.add(
            DrillInject(
                incident_id=number, position=position, due_at=due, wake_at=due, content=content
            )
        )


def _brief(unit: Unit, number: int, scenario: Scenario, user: str) -> None:
    lines = [
        f":man-running: *This is a drill* (scenario `{scenario.name}`), started by "
        f"{mention(user)}. Nothing here reaches real audiences: every update is posted in this "
        "channel instead. Run it as you would the real thing; resolve it to get the debrief."
    ]
    if scenario.briefing:
        lines.append(f"*Briefing:* {escape(scenario.briefing)}")
    targets = _targets_line(scenario.targets)
    if targets:
        lines.append(f"*Targets:* {targets}")
    unit.post_text(number, "\n".join(lines))
    unit.log(number, user, "drill", f"Drill started: {scenario.name}", people=[user])


def _targets_line(targets: Targets) -> str:
    parts = [
        (label, value)
        for label, value in (
            ("first update within", targets.first_update),
            ("every key role filled within", targets.roles_filled),
            ("contained within", targets.containment),
        )
        if value is not None
    ]
    return "; ".join(f"{label} {humanize(value)}" for label, value in parts)


def _seconds(delta: timedelta | None) -> int | None:
    return int(delta.total_seconds()) if delta is not None else None


def _delta(seconds: Any) -> timedelta | None:
    return timedelta(seconds=int(seconds)) if seconds is not None else None


# --- injects, on the scheduler ------------------------------------------------------------


def next_wake(ctx: ServiceContext) -> datetime | None:
    return wakes.next_wake(ctx, DrillInject.wake_at)


def run_due(ctx: ServiceContext, limit: int = 50) -> int:
    """Play the injects that fell due, each once across replicas."""
    due = wakes.due(ctx, DrillInject.id, DrillInject.wake_at, limit)
    played = 0
    for inject_id in due:
        try:
            played += _play(ctx, inject_id or 0)
        except Exception as exc:  # this inject waits a minute; the others go on
            log.warning("drill inject #%s not played: %s", inject_id, type(exc).__name__)
            _later(ctx, inject_id or 0)
    return played


def _play(ctx: ServiceContext, inject_id: int) -> bool:
    with ctx.unit() as unit:
        if _alert_inject(unit, inject_id):
            alert_intake.lock(unit)  # alerts are taken one at a time, drills' too
        inject = unit.session.exec(
            select(DrillInject).where(DrillInject.id == inject_id).with_for_update(skip_locked=True)
        ).first()
        if inject is None or inject.wake_at is None or inject.wake_at > unit.now:
            return False  # another replica played it
        inject.wake_at = None
        unit.session.add(inject)
        incident = unit.session.get(Incident, inject.incident_id)
        if incident is None or incident.status == Status.RESOLVED.value:
            return False  # the drill ended before it: nothing more happens in it
        inject.done_at = unit.now
        if "alert" in inject.content:
            alert_intake.fold_into_drill(ctx, unit, incident, _alert(ctx, inject, incident))
        else:
            _say(unit, incident, inject.content)
        return True


def _alert_inject(unit: Unit, inject_id: int) -> bool:
    inject = unit.session.get(DrillInject, inject_id)
    return inject is not None and "alert" in inject.content


def _say(unit: Unit, incident: Incident, content: dict[str, Any]) -> None:
    assert incident.id is not None
    who, words = str(content.get("as", "")), str(content.get("say", ""))
    unit.post_text(incident.id, f"{escape(who)}: {escape(words)}")
    unit.log(incident.id, BOT_ACTOR, "drill", f"Inject from {who}: {words}")


def _alert(ctx: ServiceContext, inject: DrillInject, incident: Incident) -> Alert:
    given = inject.content["alert"]
    labels = {str(k): str(v) for k, v in given["labels"].items()}
    # Repeats of one alert (same labels) in the drill fold together, as a tool's would.
    key = f"{inject.incident_id}:" + ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return Alert(
        source="drill",
        key=key,
        status=FIRING,
        labels=labels,
        title=str(given["summary"]),
        system=labels.get(ctx.config.alerts.system_label),
        value=str(given.get("value") or ""),
        started_at=incident.declared_at,  # one episode: a repeat is "still firing"
    )


def _later(ctx: ServiceContext, inject_id: int) -> None:
    with ctx.unit() as unit:
        inject = unit.session.get(DrillInject, inject_id)
        if inject is not None and inject.wake_at is not None:
            inject.wake_at = unit.now + timedelta(minutes=1)
            unit.session.add(inject)


# --- the debrief --------------------------------------------------------------------------


def on_resolve(ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
    """A drill resolved: injects still to come are dropped, the debrief posted in its channel."""
    assert incident.id is not None
    run = unit.session.get(DrillRun, incident.id)
    if run is None:
        return
    for inject in unit.session.exec(
        select(DrillInject).where(
            DrillInject.incident_id == incident.id, col(DrillInject.wake_at).is_not(None)
        )
    ):
        inject.wake_at = None
        unit.session.add(inject)
    saved = run.content.get("targets") or {}
    targets = Targets(*(_delta(saved.get(k)) for k in TARGET_KEYS))
    lines = debrief(facts(ctx, unit, incident), targets)
    run.debriefed_at = unit.now
    unit.session.add(run)
    unit.post_text(incident.id, debrief_text(run.scenario, lines))
    met = sum(1 for line in lines if line.met)
    scored = sum(1 for line in lines if line.met is not None)
    unit.log(incident.id, BOT_ACTOR, "drill", f"Drill debrief: {met} of {scored} targets met")


def debrief_text(scenario: str, lines: list[Line]) -> str:
    rows = []
    for line in lines:
        mark = {True: ":white_check_mark:", False: ":x:", None: ":small_blue_diamond:"}[line.met]
        target = f" (target {line.target}: *{line.verdict}*)" if line.met is not None else ""
        rows.append(f"{mark} {line.label}: {line.measured}{target}")
    return (
        f":checkered_flag: *Drill debrief* for scenario `{scenario}`\n"
        + "\n".join(rows)
        + "\nAgree what to improve, and turn it into action items while it is fresh."
    )


def facts(ctx: ServiceContext, unit: Unit, incident: Incident) -> DrillFacts:
    assert incident.id is not None
    session, number = unit.session, incident.id
    started = incident.declared_at
    first_update = session.exec(
        select(func.min(StatusUpdate.at)).where(
            StatusUpdate.incident_id == number, col(StatusUpdate.automatic).is_(False)
        )
    ).one()
    key_roles = [r for r in KEY_ROLES if r in ctx.roles.keys]
    filled: dict[str, datetime | None] = {
        role: session.exec(
            select(func.min(RoleAssignment.started_at)).where(
                RoleAssignment.incident_id == number, RoleAssignment.role == role
            )
        ).one()
        for role in key_roles
    }
    milestones = {
        m.status: m.reached_at
        for m in session.exec(select(StatusMilestone).where(StatusMilestone.incident_id == number))
    }
    decisions = tuple(
        (f"D-{d.number}", d.due_at, d.decided_at)
        for d in session.exec(
            select(Decision).where(Decision.incident_id == number).order_by(col(Decision.number))
        )
    )
    overridden = {
        o.status: f"D-{d.number}"
        for o, d in session.exec(
            select(GateOverride, Decision)
            .join(Decision, col(Decision.id) == col(GateOverride.decision_id))
            .where(GateOverride.incident_id == number)
        )
    }
    followed = session.get(IncidentPlaybook, number) is not None  # gates come with a playbook
    gates = tuple(
        (s.value, overridden.get(s.value)) for s in GATED if followed and s.value in milestones
    )
    return DrillFacts(
        started_at=started,
        resolved_at=unit.now,
        first_update_at=first_update,
        roles_filled_at=filled,
        contained_at=milestones.get(Status.CONTAINED.value),
        decisions=decisions,
        updates=_updates(ctx, unit, incident),
        gates=gates,
    )


def _updates(ctx: ServiceContext, unit: Unit, incident: Incident) -> tuple[tuple[str, bool], ...]:
    """Each update to each audience following the drill: on schedule or not; and a silence
    longer than an interval before the resolve counts as an update missed."""
    severity = ctx.severities.describe(incident.severity)
    sent = list(
        unit.session.exec(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident.id)
            .order_by(col(StatusUpdate.at))
        )
    )
    verdicts: list[tuple[str, bool]] = []
    clocks = unit.session.exec(
        select(AudienceClock.audience).where(AudienceClock.incident_id == incident.id)
    )
    for key in clocks:
        audience = ctx.audiences.get(key)
        if audience is None or not audience.applies(
            incident.severity, incident.private, ctx.severities
        ):
            continue
        times = [u.at for u in sent if key in u.audiences]
        found = on_schedule(
            times, incident.declared_at, severity.update_every, ctx.config.updates_grace, unit.now
        )
        verdicts += [(audience.title, ok) for ok in found]
    return tuple(verdicts)
