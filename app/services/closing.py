"""Resolving stops the cadence and tells every audience that heard about the incident."""

from __future__ import annotations

from app.domain.audiences import Audience
from app.domain.permissions import may_publish_widely
from app.domain.roles import COMMANDER, COMMS
from app.domain.text import mention
from app.persistence.tables import Incident
from app.services import cadence
from app.services.compose import Composer, Narrative
from app.services.context import ServiceContext, Unit


def resolution_notices(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    actor: str,
    publishers: frozenset[str] | None,
) -> None:
    """The resolution notice to the incident channel and to each audience that received
    updates; approval-required wording that is not approved is held back and comms told.

    The resolver's summary reaches audiences beyond the incident channel only when the
    resolver may speak for the company there; otherwise their notices go without it."""
    assert incident.id is not None
    composer = Composer(ctx, unit.session, incident)
    picture = composer.picture
    speaks = may_publish_widely(
        actor,
        comms=picture.holder(COMMS),
        commander=picture.holder(COMMANDER),
        admins=ctx.admins,
        publishers=publishers,
    )
    withheld: list[Audience] = []
    for clock in cadence.clocks(unit.session, incident):
        clock.wake_at = None
        unit.session.add(clock)
        audience = ctx.audiences.get(clock.audience)
        if audience is None or not (audience.in_incident_channel or clock.updates_sent):
            continue
        words = audience.in_incident_channel or speaks
        if incident.summary and not words:
            withheld.append(audience)
        narrative = Narrative(what_changed=incident.summary if words else "")
        composed = composer.compose(
            audience,
            "resolution",
            narrative,
            actor,
            unit.now,
            since=clock.last_update_at,
            next_update=None,
            resolver_speaks=words,
        )
        if composed.sendable:
            cadence.deliver(ctx, unit, incident, composed, automatic=False, update_id=None)
        else:
            cadence.hold_back(unit, composer, incident, composed)
    if withheld:
        titles = ", ".join(a.title for a in withheld)
        unit.post_text(
            incident.id,
            f":information_source: {mention(actor)} the resolution notice to {titles} went out "
            "without your summary: only someone who may speak for the company there can put "
            "words in front of them. Comms can follow up with `/incident update`.",
        )
