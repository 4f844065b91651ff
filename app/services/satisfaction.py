"""'Was this useful?' votes on updates: one per person per update and audience; voting again
replaces the earlier vote."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.domain.errors import NotFound
from app.persistence.tables import StatusUpdate, UpdateVote
from app.services.context import ServiceContext


@dataclass(frozen=True)
class Voted:
    useful: bool
    replaced: bool  # the person had voted on this update before


def vote(ctx: ServiceContext, update_id: int, audience: str, user: str, useful: bool) -> Voted:
    """A forged button (an update that does not exist, or was not sent to that audience, or an
    audience not asked) is refused, never stored."""
    asked = ctx.audiences.get(audience)
    try:
        return _vote(ctx, update_id, audience, user, useful, asked is not None and asked.feedback)
    except IntegrityError:  # someone's two presses raced: the first insert won, replace it
        return _vote(ctx, update_id, audience, user, useful, True)


def _vote(
    ctx: ServiceContext, update_id: int, audience: str, user: str, useful: bool, asked: bool
) -> Voted:
    with ctx.unit() as unit:
        update = unit.session.get(StatusUpdate, update_id)
        if update is None or audience not in update.audiences or not asked:
            raise NotFound("That update cannot be voted on.")
        earlier = unit.session.exec(
            select(UpdateVote)
            .where(
                UpdateVote.update_id == update_id,
                UpdateVote.audience == audience,
                UpdateVote.user_id == user,
            )
            .with_for_update()
        ).first()
        if earlier is not None:
            earlier.useful, earlier.at = useful, unit.now
            unit.session.add(earlier)
            return Voted(useful, replaced=True)
        unit.session.add(
            UpdateVote(
                update_id=update_id,
                audience=audience,
                user_id=user,
                incident_id=update.incident_id,
                useful=useful,
                at=unit.now,
            )
        )
        unit.session.flush()
        return Voted(useful, replaced=False)
