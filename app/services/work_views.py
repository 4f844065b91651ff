"""The playbook, gates, hypotheses and evidence of an incident, as updates show them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.domain.playbooks import PLAIN_PHASE, current_phase
from app.domain.status import Status
from app.persistence.tables import Decision, Evidence, Hypothesis, Incident
from app.rendering.context import PlaybookView, WorkView
from app.services import playbook_state

SHOWN = 8  # hypotheses and evidence listed in an update


def playbook_view(session: Session, incident: Incident) -> PlaybookView | None:
    assert incident.id is not None
    found = playbook_state.followed(session, incident.id)
    if found is None:
        return None
    _, playbook = found
    done = set(playbook_state.done_steps(session, incident.id))
    phase = current_phase(playbook, Status(incident.status), done)
    open_steps = [
        f"{s.id} ({s.text})" for s in playbook.phase(phase).steps if s.required and s.id not in done
    ]
    return PlaybookView(
        playbook.name, playbook.title, phase, PLAIN_PHASE.get(phase, phase), open_steps
    )


def work_view(session: Session, incident_id: int) -> WorkView:
    overrides = playbook_state.overrides(session, incident_id)
    numbers = {
        d.id: d.number
        for d in session.exec(select(Decision).where(Decision.incident_id == incident_id))
    }
    detailed = [
        f"{o.status} (D-{numbers.get(o.decision_id, '?')}: {', '.join(o.open_steps)}): {o.reason}"
        for o in overrides
    ]
    plain = [
        f"moved to {o.status} with {len(o.open_steps)} checklist step"
        f"{'' if len(o.open_steps) == 1 else 's'} still open (D-{numbers.get(o.decision_id, '?')})"
        for o in overrides
    ]
    hypotheses = session.exec(
        select(Hypothesis)
        .where(Hypothesis.incident_id == incident_id)
        .where(col(Hypothesis.status).in_(("open", "testing", "confirmed")))
        .order_by(col(Hypothesis.number))
    )
    evidence = session.exec(
        select(Evidence).where(Evidence.incident_id == incident_id).order_by(col(Evidence.number))
    )
    return WorkView(
        overrides=detailed,
        overrides_plain=plain,
        hypotheses=[f"H-{h.number} {h.status}: {h.text}" for h in hypotheses][:SHOWN],
        evidence=[f"E-{e.number} {e.kind}: {e.reference}" for e in evidence][-SHOWN:],
    )
