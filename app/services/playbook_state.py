"""What an incident's playbook is and which of its steps are done, read from the database.
(Kept apart from the use cases in playbooks.py, so the composer can read it too.)"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlmodel import Session, col, select

from app.domain.playbooks import Option, Phase, Playbook, Step
from app.persistence.tables import GateOverride, IncidentPlaybook, StepState


def to_content(playbook: Playbook) -> dict[str, Any]:
    return asdict(playbook)


def from_content(content: dict[str, Any]) -> Playbook:
    phases = tuple(
        Phase(
            p["name"],
            tuple(Step(**s) for s in p.get("steps", [])),
            tuple(Option(**o) for o in p.get("options", [])),
        )
        for p in content.get("phases", [])
    )
    plain = {k: v for k, v in content.items() if k != "phases"}
    for key in ("signals", "escalate_when"):
        plain[key] = tuple(plain.get(key, ()))
    return Playbook(**plain, phases=phases)


def followed(session: Session, incident_id: int) -> tuple[IncidentPlaybook, Playbook] | None:
    row = session.get(IncidentPlaybook, incident_id)
    return (row, from_content(row.content)) if row else None


def done_steps(session: Session, incident_id: int) -> dict[str, StepState]:
    rows = session.exec(
        select(StepState).where(StepState.incident_id == incident_id, StepState.done)
    )
    return {row.step_id: row for row in rows}


def overrides(session: Session, incident_id: int) -> list[GateOverride]:
    return list(
        session.exec(
            select(GateOverride)
            .where(GateOverride.incident_id == incident_id)
            .order_by(col(GateOverride.at))
        )
    )
