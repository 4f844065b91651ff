"""Alerts put in front of the buttons: a proposal in the triage channel, an incident declared
from an alert with its calls to take command, an alert correlated into an incident. Written
through the same services the intake uses, in one transaction each, then delivered."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from app.domain.incident import BOT_ACTOR
from app.persistence.tables import AlertLink, AlertProposal, Incident
from app.services import alert_views
from app.services import outbox_messages as said
from app.services.command import command_owners
from app.services.context import ServiceContext
from app.services.declare import Declaration, declare_in
from tests.harness import Warroom

SOURCE = "alertmanager"


def _key(title: str) -> str:
    return "fp-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _link(ctx: ServiceContext, title: str, key: str, how: str, **fields: object) -> AlertLink:
    now = ctx.clock.now()
    return AlertLink(
        key=f"{SOURCE}:{key}",
        how=how,
        source=SOURCE,
        title=title,
        status="firing",
        first_seen_at=now,
        last_seen_at=now,
        **fields,  # type: ignore[arg-type]
    )


async def propose(
    room: Warroom,
    title: str,
    *,
    system: str,
    severity: str = "sev2",
    key: str | None = None,
    started_at: datetime | None = None,
) -> None:
    def write(ctx: ServiceContext) -> None:
        with ctx.unit() as unit:
            link = _link(
                ctx,
                title,
                key or _key(title),
                "proposed",
                system=system,
                severity=severity,
                started_at=started_at,
            )
            unit.session.add(link)
            proposal = AlertProposal(
                alert_key=link.key, system=system, severity=severity, detected_at=unit.now
            )
            unit.session.add(proposal)
            unit.session.flush()
            link.proposal_id = proposal.id
            alert_views.post_proposal(ctx, unit, proposal)

    await asyncio.to_thread(write, room.app.ctx)
    await room.settle()


async def declare_from_alert(
    room: Warroom, title: str, *, system: str, severity: str = "sev1", key: str | None = None
) -> None:
    ctx = room.app.ctx
    known = system in ctx.catalog.systems
    owners = command_owners(ctx, [system] if known else [])

    def write() -> None:
        with ctx.unit() as unit:
            declared = declare_in(
                ctx,
                unit,
                Declaration(
                    title=title,
                    severity=severity,
                    declared_by=BOT_ACTOR,
                    systems=(system,) if known else (),
                    detected_by=f"alert:{SOURCE}",
                ),
            )
            unit.session.add(
                _link(
                    ctx,
                    title,
                    key or _key(title),
                    "declared",
                    system=system,
                    severity=severity,
                    incident_id=declared.number,
                )
            )
            unit.session.flush()
            incident = unit.session.get(Incident, declared.number)
            assert incident is not None
            call = said.CommandWanted(declared.number, declared.ref, title, owners)
            unit.post_in_incident(declared.number, call)
            alert_views.post_in_triage(
                ctx,
                unit,
                said.CommandWanted(**{**call.__dict__, "in_triage": True}),
                declared.number,
            )
            alert_views.show_alerts(unit, incident)

    await asyncio.to_thread(write)
    await room.settle()


async def correlate(
    room: Warroom, number: int, title: str, *, system: str, severity: str | None = None
) -> None:
    """An alert downstream of what INC-<number> affects, joined to it."""
    ctx = room.app.ctx

    def write() -> None:
        with ctx.unit() as unit:
            unit.session.add(
                _link(
                    ctx,
                    title,
                    _key(title),
                    "correlated",
                    system=system,
                    severity=severity,
                    incident_id=number,
                )
            )
            unit.session.flush()
            incident = unit.session.get(Incident, number)
            assert incident is not None
            alert_views.show_alerts(unit, incident)

    await asyncio.to_thread(write)
    await room.settle()
