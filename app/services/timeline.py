"""The incident's append-only log: notes, pinned messages, and reading it back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.errors import InvalidInput
from app.domain.text import clean_text
from app.persistence.tables import Incident, TimelineEntry
from app.services import outbox_messages as said
from app.services.context import Op, ServiceContext
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
        unit.post_in_incident(incident.id, said.NoteAdded(note, actor))
        return incident.ref


@dataclass(frozen=True)
class Pin:
    """Someone reacted :pushpin: to a message (what the event says; the text is read later)."""

    channel_id: str
    ts: str
    pinned_by: str
    author: str | None  # the event's item_user

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Pin:
        return cls(payload["channel_id"], payload["ts"], payload["pinned_by"], payload["author"])


def pin_noted(ctx: ServiceContext, pin: Pin, event_id: str = "") -> bool:
    """Record the work a :pushpin: asks for before Slack is told the event arrived: reading the
    message and logging it happens from the outbox, retried until it is done, so a Slack or
    database hiccup loses nothing. Once per event_id (Slack retries events) and per message.

    Returns False when there is nothing to do (not an incident channel, seen before)."""
    try:
        with ctx.unit() as unit:
            incident = unit.session.exec(
                select(Incident).where(Incident.channel_id == pin.channel_id)
            ).first()
            if incident is None or incident.id is None or _pinned_before(unit.session, pin):
                return False
            remember(unit, event_id)
            unit.session.flush()  # a concurrent duplicate of the event fails here
            unit.say(
                Op.READ_PINNED,
                incident_id=incident.id,
                channel=pin.channel_id,
                payload={**asdict(pin), "event_id": event_id},
            )
            return True
    except IntegrityError:
        return False


def log_pinned(
    session: Session, incident_id: int, pin: Pin, read: dict[str, Any], now: datetime
) -> None:
    """The message was read: it goes into the timeline once, however many people pinned it."""
    if _pinned_before(session, pin):
        return
    author = read.get("author") or pin.author
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            at=now,
            actor=pin.pinned_by,
            kind="pinned",
            text=clean_text(str(read.get("text", "")), multiline=True)
            + (f" (from {author})" if author else ""),
            dedupe_key=_dedupe_key(pin),
            link=read.get("permalink"),
            people=[author] if author else [],
        )
    )


def _pinned_before(session: Session, pin: Pin) -> bool:
    query = select(TimelineEntry.id).where(TimelineEntry.dedupe_key == _dedupe_key(pin))
    return session.exec(query).first() is not None


def _dedupe_key(pin: Pin) -> str:
    return f"pin:{pin.channel_id}:{pin.ts}"


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
