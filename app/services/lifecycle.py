"""Severity and status changes, resolving and reopening."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.permissions import ensure_may_manage
from app.domain.roles import COMMANDER
from app.domain.status import Status, check_transition, parse_status
from app.persistence.tables import Incident, StatusMilestone
from app.services import (
    cadence,
    closing,
    decisions,
    drills,
    gates,
    playbooks,
    postmortem_followup,
    regulatory_clocks,
)
from app.services import outbox_messages as said
from app.services.context import ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel


@dataclass(frozen=True)
class Changed:
    incident_ref: str
    before: str
    after: str


def change_severity(
    ctx: ServiceContext, channel_id: str, severity_key: str, reason: str, actor: str
) -> Changed:
    severity = ctx.severities.get(severity_key)
    with ctx.unit() as unit:
        incident = _managed_incident(ctx, unit, channel_id, actor, "change the severity")
        assert incident.id is not None
        before = incident.severity
        if before == severity.key:
            raise InvalidInput(f"{incident.ref} is already {severity.key.upper()}.")
        incident.severity = severity.key
        incident.updated_at = unit.now
        unit.session.add(incident)
        unit.log(
            incident.id,
            actor,
            "severity",
            f"Severity {before.upper()} → {severity.key.upper()}"
            + (f": {reason}" if reason else ""),
        )
        cadence.reschedule(ctx, unit, incident)  # e.g. sev3 → sev1 after 40 quiet minutes: due now
        unit.post_in_incident(
            incident.id, said.SeverityChanged(before, severity.key, reason, actor)
        )
        unit.refresh(incident.id)
        return Changed(incident.ref, before, severity.key)


def change_status(
    ctx: ServiceContext,
    channel_id: str,
    status_text: str,
    reason: str,
    actor: str,
    override: str | None = None,
) -> Changed:
    """`override`: the commander's reason to pass a playbook's gate with steps open."""
    status = parse_status(status_text)
    if status is Status.RESOLVED:
        return resolve(ctx, channel_id, reason, actor, override)
    with ctx.unit() as unit:
        incident = _managed_incident(ctx, unit, channel_id, actor, "change the status")
        before = Status(incident.status)
        if before is Status.RESOLVED:
            raise InvalidInput(
                f"{incident.ref} is resolved; reopen it first with `/incident reopen <reason>`."
            )
        check_transition(before, status, reason or (override or ""))
        if status.order > before.order:  # going back needs no gate
            gates.check(ctx, unit, incident, status, actor, override)
        _move(unit, incident, status, reason or (override or ""), actor, said.StatusChanged)
        playbooks.refresh_checklists(ctx, unit, incident)
        return Changed(incident.ref, before.value, status.value)


def resolve(
    ctx: ServiceContext, channel_id: str, summary: str, actor: str, override: str | None = None
) -> Changed:
    publishers = ctx.publisher_ids()  # may ask Slack: before the transaction
    with ctx.unit() as unit:
        incident = _managed_incident(ctx, unit, channel_id, actor, "resolve the incident")
        before = Status(incident.status)
        if before is Status.RESOLVED:
            raise InvalidInput(f"{incident.ref} is already resolved.")
        gates.check(ctx, unit, incident, Status.RESOLVED, actor, override)
        decisions.refuse_resolving_with_pending(unit.session, incident)
        incident.summary = summary.strip()
        _move(unit, incident, Status.RESOLVED, summary, actor, None)
        closing.resolution_notices(ctx, unit, incident, actor, publishers)
        if incident.drill:
            drills.on_resolve(ctx, unit, incident)
        postmortem_followup.on_resolved(ctx, unit, incident)
        regulatory_clocks.on_resolved(ctx, unit, incident)
        return Changed(incident.ref, before.value, Status.RESOLVED.value)


def reopen(ctx: ServiceContext, channel_id: str, reason: str, actor: str) -> Changed:
    with ctx.unit() as unit:
        incident = _managed_incident(ctx, unit, channel_id, actor, "reopen the incident")
        if incident.status != Status.RESOLVED.value:
            raise InvalidInput(f"{incident.ref} is not resolved, so there is nothing to reopen.")
        _move(unit, incident, Status.INVESTIGATING, reason, actor, said.Reopened)
        cadence.reschedule(ctx, unit, incident)
        postmortem_followup.on_reopened(unit, incident)
        return Changed(incident.ref, Status.RESOLVED.value, Status.INVESTIGATING.value)


def _managed_incident(
    ctx: ServiceContext, unit: Unit, channel_id: str, actor: str, action: str
) -> Incident:
    incident = incident_in_channel(unit.session, channel_id, lock=True)
    assert incident.id is not None
    commander = current_holders(unit.session, incident.id).get(COMMANDER)
    ensure_may_manage(actor, commander, ctx.admins, action)
    return incident


def _move(
    unit: Unit,
    incident: Incident,
    status: Status,
    reason: str,
    actor: str,
    notice: type[said.Moved] | None,
) -> None:
    assert incident.id is not None
    before = incident.status
    incident.status = status.value
    incident.updated_at = unit.now
    unit.session.add(incident)
    if unit.session.get(StatusMilestone, (incident.id, status.value)) is None:
        unit.session.add(
            StatusMilestone(incident_id=incident.id, status=status.value, reached_at=unit.now)
        )
    unit.log(
        incident.id,
        actor,
        "status",
        f"Status {before} → {status.value}" + (f": {reason}" if reason else ""),
    )
    if notice is not None:
        unit.post_in_incident(incident.id, notice(before, status.value, reason, actor))
    unit.refresh(incident.id)
