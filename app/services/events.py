"""Slack retries events: act on each event_id once, whichever replica receives it.

The event_id is recorded in the same transaction as what the event changed (see
`remember`), so an event whose handling failed is handled again when Slack retries it.
"""

from app.persistence.tables import ProcessedEvent
from app.services.context import Unit


def remember(unit: Unit, event_id: str) -> None:
    """Record the event as handled; a concurrent duplicate fails the transaction on commit."""
    if event_id:
        unit.session.add(ProcessedEvent(event_id=event_id, received_at=unit.now))
