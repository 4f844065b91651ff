"""Evidence recorded in an incident (`/incident evidence <kind> <reference> [note]`): who,
when, what; a playbook step waiting for that kind of evidence is ticked by it."""

from __future__ import annotations

from sqlmodel import col, select

from app.domain.errors import InvalidInput
from app.domain.playbooks import EVIDENCE_KINDS
from app.persistence.tables import Evidence
from app.services import outbox_messages as said
from app.services.context import ServiceContext
from app.services.lookup import incident_in_channel
from app.services.playbooks import followed, mark_step, refresh_checklists

MAX_REFERENCE = 500


def record_evidence(
    ctx: ServiceContext, channel_id: str, kind: str, reference: str, note: str, actor: str
) -> Evidence:
    """E-n, with who and when; a step waiting for this kind of evidence is ticked by it."""
    if kind not in EVIDENCE_KINDS:
        raise InvalidInput(
            f"Evidence is one of: {', '.join(EVIDENCE_KINDS)}; like "
            "`/incident evidence dataset s3://snapshots/2026-11-30 inputs of the bad window`."
        )
    if not reference.strip() or len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"Give a reference (a link, an id) under {MAX_REFERENCE} characters.")
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        number = 1 + len(
            list(unit.session.exec(select(Evidence.id).where(Evidence.incident_id == incident.id)))
        )
        evidence = Evidence(
            incident_id=incident.id,
            number=number,
            kind=kind,
            reference=reference,
            note=note,
            by=actor,
            at=unit.now,
        )
        unit.session.add(evidence)
        unit.session.flush()
        shown = f"E-{number} ({kind}): {reference}" + (f" — {note}" if note else "")
        unit.log(incident.id, actor, "evidence", f"Evidence {shown}", people=[actor])
        unit.post_in_incident(
            incident.id, said.EvidenceRecorded(number, kind, reference, note, actor)
        )
        found = followed(unit.session, incident.id)
        if found is not None:
            _, playbook = found
            waiting = [s for s in playbook.steps if s.evidence == kind]
            for step in waiting:
                mark_step(unit, incident, playbook, step.id, True, actor, f"E-{number}")
            phases = {playbook.phase_of(s.id) or "" for s in waiting}
            refresh_checklists(ctx, unit, incident, phases)
        return evidence


def evidence_of(ctx: ServiceContext, channel_id: str) -> tuple[str, list[Evidence]]:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        rows = session.exec(
            select(Evidence)
            .where(Evidence.incident_id == incident.id)
            .order_by(col(Evidence.number))
        )
        return incident.ref, list(rows)
