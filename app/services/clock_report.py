"""The regulatory clocks of a period, for `warroom report`: each kind flagged, met, missed,
still running or unflagged, over the incidents declared in the period (drills left out), read
in one query however many incidents there are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.regulatory_clocks import ClockFacts, ClockRow, tally
from app.persistence.tables import Incident, RegulatoryClock


def clock_rows(session: Session, since: datetime, now: datetime) -> list[ClockRow]:
    rows = session.execute(
        select(
            col(RegulatoryClock.clock),
            col(RegulatoryClock.label),
            col(RegulatoryClock.status),
            col(RegulatoryClock.due_at),
            col(RegulatoryClock.notified_at),
        )
        .join(Incident, col(Incident.id) == col(RegulatoryClock.incident_id))
        .where(col(Incident.declared_at) >= since, col(Incident.drill).is_(False))
        .order_by(col(RegulatoryClock.clock), col(RegulatoryClock.id))
    )
    return tally((ClockFacts(*row) for row in rows), now)
