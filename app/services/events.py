"""Slack retries events: act on each event_id once, whichever replica receives it.

The event_id is recorded in the same transaction as what the event changed (see
`remember`), so an event whose handling failed is handled again when Slack retries it.
"""

from sqlmodel import Session

from app.persistence.tables import ProcessedEvent
from app.services.context import ServiceContext, Unit


def already_handled(ctx: ServiceContext, event_id: str) -> bool:
    with ctx.db.read() as session:
        return _seen(session, event_id)


def _seen(session: Session, event_id: str) -> bool:
    return bool(event_id) and session.get(ProcessedEvent, event_id) is not None


def remember(unit: Unit, event_id: str) -> None:
    """Record the event as handled; a concurrent duplicate fails the transaction on commit."""
    if event_id:
        unit.session.add(ProcessedEvent(event_id=event_id, received_at=unit.now))
