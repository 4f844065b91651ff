"""The incident's append-only log: notes, pinned messages, and reading it back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.domain.errors import InvalidInput
from app.persistence.tables import Incident, TimelineEntry
from app.services.context import ServiceContext
from app.services.events import remember
from app.services.lookup import incident_in_channel

MAX_NOTE = 3000


@dataclass(frozen=True)
class Timeline:
    incident_ref: str
    entries: list[TimelineEntry]


def add_note(ctx: ServiceContext, channel_id: str, text: str, actor: str) -> str:
    note = text.strip()
    if not note:
        raise InvalidInput("Add the note's text: `/incident note rolled back to model v41`.")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep a note under {MAX_NOTE} characters; split it into several.")
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id)
        assert incident.id is not None
        unit.log(incident.id, actor, "note", note)
        unit.post_in_incident(incident.id, "note_added", text=note, by=actor)
        return incident.ref


@dataclass(frozen=True)
class PinnedMessage:
    channel_id: str
    ts: str
    text: str
    author: str | None
    pinned_by: str
    permalink: str | None


def is_incident_channel(ctx: ServiceContext, channel_id: str) -> bool:
    with ctx.db.read() as session:
        query = select(Incident.id).where(Incident.channel_id == channel_id)
        return session.exec(query).first() is not None


def record_pinned_message(ctx: ServiceContext, pin: PinnedMessage, event_id: str = "") -> bool:
    """Log a message someone reacted to with :pushpin:, once per message and per event.

    Returns False when it was already logged (another replica, or Slack's retry)."""
    try:
        with ctx.unit() as unit:
            incident = unit.session.exec(
                select(Incident).where(Incident.channel_id == pin.channel_id)
            ).first()
            if incident is None or incident.id is None:
                return False
            remember(unit, event_id)
            author = f" (from {pin.author})" if pin.author else ""
            unit.log(
                incident.id,
                pin.pinned_by,
                "pinned",
                f"{pin.text}{author}",
                dedupe_key=f"pin:{pin.channel_id}:{pin.ts}",
                link=pin.permalink,
                people=[pin.author],
            )
            unit.session.flush()
            return True
    except IntegrityError:
        return False


def recent_entries(ctx: ServiceContext, channel_id: str, limit: int = 15) -> Timeline:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        rows = session.exec(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident.id)
            .order_by(col(TimelineEntry.at).desc(), col(TimelineEntry.id).desc())
            .limit(limit)
        )
        return Timeline(incident.ref, list(reversed(list(rows))))
