"""Resolving stops the cadence and tells every audience that heard about the incident."""

from __future__ import annotations

from app.persistence.tables import Incident
from app.services import cadence
from app.services.compose import Composer, Narrative
from app.services.context import ServiceContext, Unit


def resolution_notices(ctx: ServiceContext, unit: Unit, incident: Incident, actor: str) -> None:
    """The resolution notice to the incident channel and to each audience that received
    updates; approval-required wording that is not approved is held back and comms told."""
    assert incident.id is not None
    composer = Composer(ctx, unit.session, incident)
    narrative = Narrative(what_changed=incident.summary)
    for clock in cadence.clocks(unit.session, incident):
        clock.wake_at = None
        unit.session.add(clock)
        audience = ctx.audiences.get(clock.audience)
        if audience is None or not (audience.in_incident_channel or clock.updates_sent):
            continue
        composed = composer.compose(
            audience,
            "resolution",
            narrative,
            actor,
            unit.now,
            since=clock.last_update_at,
            next_update=None,
        )
        if composed.sendable:
            cadence.deliver(unit, incident, composed, automatic=False)
        else:
            cadence.hold_back(unit, composer, incident, composed)
