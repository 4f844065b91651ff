"""Recording what customers were told, for the public status page.

Called wherever an audience's words go into the outbox (cadence.deliver: a person's update,
an automatic one, a resolution notice), in that same transaction: a post exists exactly when
the words were published, with the very text that was approved and sent. Drills are never
recorded; nor is anything said to another audience.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from app.domain.status_page import RESOLUTION, UPDATE, impact_for_rank, public_status
from app.persistence.tables import AffectedSystem, Incident, StatusPost
from app.services.compose import Composed
from app.services.context import ServiceContext, Unit


def record(ctx: ServiceContext, unit: Unit, incident: Incident, composed: Composed) -> None:
    """A post for the status page, when these words went to its audience."""
    assert incident.id is not None
    audience = ctx.config.status_page_audience()
    if incident.drill or composed.text is None or composed.audience.key != audience:
        return
    resolution = composed.template.startswith("resolution/")
    rank = ctx.severities.describe(incident.severity).rank
    unit.session.add(
        StatusPost(
            incident_id=incident.id,
            public_id=_public_id(unit.session, incident.id),
            at=unit.now,
            kind=RESOLUTION if resolution else UPDATE,
            status=public_status(incident.status, resolution=resolution),
            impact=impact_for_rank(rank),
            text=composed.text,
            affects=_affects(ctx, unit.session, incident.id),
        )
    )
    unit.on_commit.append(ctx.status_changed)


def _public_id(session: Session, incident_id: int) -> str:
    """The incident's id on the page: random (it says nothing about how many incidents there
    were), chosen with its first post and kept by the others."""
    known = session.exec(
        select(StatusPost.public_id).where(StatusPost.incident_id == incident_id).limit(1)
    ).first()
    return known or secrets.token_hex(6)


def _affects(ctx: ServiceContext, session: Session, incident_id: int) -> list[str]:
    """The blast radius now: the affected systems, what depends on them, and the business
    functions all of those serve."""
    named = session.exec(
        select(AffectedSystem.system).where(AffectedSystem.incident_id == incident_id)
    )
    radius = ctx.catalog.blast_radius(sorted(named))
    return [f"system:{s.key}" for s in radius.systems] + [
        f"function:{f.key}" for f in radius.functions
    ]
