"""Root-cause hypotheses: H-n raised, then testing, confirmed or ruled out, and what showed it.
Every move goes to the timeline (and later the post-mortem); open and confirmed ones appear in
the technical update."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import col, select

from app.domain.errors import InvalidInput, NotFound
from app.domain.text import escape
from app.persistence.tables import Hypothesis
from app.services import outbox_messages as said
from app.services.context import ServiceContext
from app.services.lookup import incident_in_channel

STATES = ("open", "testing", "confirmed", "ruled-out")
MAX_TEXT = 300
_REF = re.compile(r"^h-?(\d+)$", re.IGNORECASE)


def parse_ref(text: str) -> int | None:
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


def raise_hypothesis(ctx: ServiceContext, channel_id: str, text: str, actor: str) -> Hypothesis:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            "Say what you suspect: `/incident hypothesis upstream schema change nulled "
            "transaction_amount`."
        )
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"Keep a hypothesis under {MAX_TEXT} characters.")
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        highest = unit.session.exec(
            select(func.max(Hypothesis.number)).where(Hypothesis.incident_id == incident.id)
        ).one()
        hypothesis = Hypothesis(
            incident_id=incident.id,
            number=int(highest or 0) + 1,
            text=cleaned,
            raised_by=actor,
            raised_at=unit.now,
        )
        unit.session.add(hypothesis)
        unit.session.flush()
        unit.log(incident.id, actor, "hypothesis", f"H-{hypothesis.number} raised: {cleaned}")
        unit.post_in_incident(
            incident.id, said.HypothesisMoved(hypothesis.number, cleaned, "open", "", actor)
        )
        return hypothesis


def move_hypothesis(
    ctx: ServiceContext, channel_id: str, number: int, state: str, outcome: str, actor: str
) -> Hypothesis:
    """Testing, confirmed or ruled out; confirming or ruling out says what showed it."""
    state = state.lower()
    if state not in STATES[1:]:
        raise InvalidInput(
            "Move a hypothesis to `testing`, `confirmed` or `ruled-out`: "
            "`/incident hypothesis H-2 confirmed nulls since the 02:00 ETL run`."
        )
    cleaned = " ".join(outcome.split())
    if state != "testing" and not cleaned:
        raise InvalidInput(
            f"Say what showed it: `/incident hypothesis H-{number} {state} <evidence>`."
        )
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        hypothesis = unit.session.exec(
            select(Hypothesis).where(
                Hypothesis.incident_id == incident.id, Hypothesis.number == number
            )
        ).first()
        if hypothesis is None or incident.id is None:
            raise NotFound(f"{incident.ref} has no H-{number}; `/incident hypotheses` lists them.")
        hypothesis.status, hypothesis.outcome = state, cleaned[:MAX_TEXT]
        hypothesis.updated_by, hypothesis.updated_at = actor, unit.now
        unit.session.add(hypothesis)
        shown = f"H-{number} {state}: {hypothesis.text}" + (
            f". What showed it: {cleaned}" if cleaned else ""
        )
        unit.log(incident.id, actor, "hypothesis", shown)
        unit.post_in_incident(
            incident.id, said.HypothesisMoved(number, hypothesis.text, state, cleaned, actor)
        )
        return hypothesis


def listed(ctx: ServiceContext, channel_id: str) -> tuple[str, list[Hypothesis]]:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        rows = session.exec(
            select(Hypothesis)
            .where(Hypothesis.incident_id == incident.id)
            .order_by(col(Hypothesis.number))
        )
        return incident.ref, list(rows)


def shown(hypothesis: Hypothesis) -> str:
    outcome = f" ({escape(hypothesis.outcome)})" if hypothesis.outcome else ""
    return f"H-{hypothesis.number} *{hypothesis.status}*: {escape(hypothesis.text)}{outcome}"
