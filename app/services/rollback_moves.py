"""A rollback after its decision: moved through the outbox, recorded when the registry
confirms it, reported when it fails. (Proposing one is in rollbacks.py.)

The move itself is an outbox row (op move_alias), so it happens once, after the decision's
transaction commits, and is retried briefly if the registry is unreachable; the row's payload
holds everything the mover needs. Nothing is half-done: the alias is moved only if it still
points where it did when the rollback was proposed, and is read back to verify.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.domain.decisions import DecisionStatus, decision_ref
from app.persistence.tables import AffectedSystem, Decision, Rollback
from app.services import outbox_messages as said
from app.services.context import Op, Unit

GO = ("Roll back", "Move back")  # the options that mean "do it"
HOLD = "Hold"


def settled(unit: Unit, decision: Decision) -> None:
    """The decision a rollback waited on was settled: move the alias, or hold."""
    rollback = unit.session.exec(
        select(Rollback).where(Rollback.decision_id == decision.id)
    ).first()
    if rollback is None or rollback.status != "proposed":
        return
    ref = decision_ref(decision.number)
    what = f"{rollback.system} {rollback.alias} v{rollback.from_version} → v{rollback.to_version}"
    if decision.status == DecisionStatus.DECIDED and decision.outcome in GO:
        rollback.status = "moving"
        unit.say(
            Op.MOVE_ALIAS,
            incident_id=rollback.incident_id,
            channel="registry",  # not a Slack channel: the mover does not wait for one
            payload={
                "rollback_id": rollback.id,
                "mlflow_name": rollback.mlflow_name,
                "alias": rollback.alias,
                "from_version": rollback.from_version,
                "to_version": rollback.to_version,
            },
            sequence_key=f"registry:{rollback.mlflow_name}:{rollback.alias}",
        )
        unit.log(
            rollback.incident_id,
            decision.decided_by or "warroom",
            "rollback",
            f"Moving {what} ({ref})",
        )
    else:
        rollback.status = "held"
        unit.log(
            rollback.incident_id,
            decision.decided_by or "warroom",
            "rollback",
            f"Held {what} ({ref})",
        )
    unit.session.add(rollback)


def moved(unit: Unit, payload: dict[str, Any], result: dict[str, Any]) -> None:
    """The registry confirmed the move: recorded with before and after, and said."""
    rollback, decision = _of(unit, payload)
    if rollback is None or decision is None:
        return
    before, after = result["before"], result["after"]
    rollback.status, rollback.done_at, rollback.result = "done", unit.now, result
    unit.session.add(rollback)
    _note_version(unit, rollback, after["version"])
    by, why, ref = (
        decision.decided_by or "warroom",
        decision.rationale,
        decision_ref(decision.number),
    )
    unit.log(
        rollback.incident_id,
        by,
        "rollback",
        f"Rolled back {rollback.system}: {rollback.alias} v{before['version']} (run "
        f"{before.get('run_id') or '?'}) → v{after['version']} (run {after.get('run_id') or '?'}); "
        f"decided by {by} in {ref}: {why}",
        people=[by],
    )
    unit.post_in_incident(
        rollback.incident_id,
        said.RollbackDone(
            system=rollback.system,
            mlflow_name=rollback.mlflow_name,
            alias=rollback.alias,
            before=int(before["version"]),
            after=int(after["version"]),
            before_run=before.get("run_id"),
            after_run=after.get("run_id"),
            by=by,
            why=why,
            decision=ref,
        ),
    )
    unit.refresh(rollback.incident_id)


def failed(unit: Unit, payload: dict[str, Any], error: str) -> None:
    """The move did not happen (or could not be verified): recorded and said."""
    rollback, decision = _of(unit, payload)
    if rollback is None or decision is None:
        return
    rollback.status, rollback.error = "failed", error[:500]
    unit.session.add(rollback)
    ref = decision_ref(decision.number)
    unit.log(
        rollback.incident_id,
        "warroom",
        "rollback",
        f"Rollback of {rollback.system} failed: {error}",
    )
    unit.post_in_incident(
        rollback.incident_id,
        said.RollbackFailed(
            rollback.system, rollback.alias, rollback.from_version, rollback.to_version, error, ref
        ),
    )


def _of(unit: Unit, payload: dict[str, Any]) -> tuple[Rollback | None, Decision | None]:
    rollback = unit.session.get(Rollback, payload.get("rollback_id"))
    decision = unit.session.get(Decision, rollback.decision_id) if rollback else None
    return rollback, decision


def _note_version(unit: Unit, rollback: Rollback, version: int) -> None:
    row = unit.session.get(AffectedSystem, (rollback.incident_id, rollback.system))
    if row is not None:
        row.model_version = f"{rollback.alias} → v{version}"
        unit.session.add(row)
