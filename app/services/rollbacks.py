"""`/incident rollback <model> [--to <version>] [--undo]`: a decision to move a model's alias.

Rolling back to the previous model version is the usual first containment step, and a change
that must be decided, recorded and reversible. Proposing one reads the registry (before the
transaction), then records a decision owned by the commander, `Roll back fraud-scorer from
v12 to v11?` (Roll back / Hold), with the model's owners told. When it is decided "Roll back",
rollback_moves.py moves the alias through the outbox and records before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain.catalog import System
from app.domain.errors import InvalidInput, NotFound
from app.domain.text import escape, owner_mention
from app.integrations.registry import ModelRegistry, RegistryError, RegistryNotFound
from app.persistence.tables import Decision, Rollback
from app.services import decisions
from app.services.context import ServiceContext
from app.services.lookup import incident_in_channel
from app.services.rollback_moves import GO, HOLD

ACTIVE = ("proposed", "moving")


@dataclass(frozen=True)
class Plan:
    system: System
    mlflow_name: str
    alias: str
    from_version: int
    to_version: int
    undo_of: int | None = None


def propose(
    ctx: ServiceContext,
    channel_id: str,
    model: str,
    actor: str,
    to_version: int | None = None,
    undo: bool = False,
) -> Decision:
    system = ctx.catalog.system(model)
    registry = _registry(ctx, system)
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        last = _last_done(session, incident.id or 0, system.key) if undo else None
        previous = _previous_holder(session, system.key)
    plan = _plan(registry, system, to_version, last, previous)
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        _ensure_none_active(unit.session, incident.id, system.key)
        question = _question(plan)
        option = GO[1] if plan.undo_of else GO[0]
        ask = decisions.Ask(question, actor, [option, HOLD])
        decision = decisions.record_decision(ctx, unit, incident, ask)
        unit.session.add(
            Rollback(
                incident_id=incident.id,
                decision_id=decision.id or 0,
                system=system.key,
                mlflow_name=plan.mlflow_name,
                alias=plan.alias,
                from_version=plan.from_version,
                to_version=plan.to_version,
                undo_of=plan.undo_of,
                proposed_by=actor,
                proposed_at=unit.now,
            )
        )
        owners = " ".join(owner_mention(o) for o in system.owners)
        if owners:
            unit.post_text(
                incident.id,
                f":rewind: {owners}: a rollback of `{escape(system.key)}` is proposed "
                f"({decisions.ref(decision)}); weigh in before the commander decides.",
            )
        return decision


def _registry(ctx: ServiceContext, system: System) -> ModelRegistry:
    if system.registry is None:
        raise InvalidInput(
            f"`{escape(system.key)}` has no model registry entry in the catalog "
            "(`registry: {mlflow_name: …, alias: champion}`), so Warroom cannot roll it back."
        )
    if ctx.registry is None:
        raise InvalidInput(
            "The model registry is not connected: set WARROOM_MLFLOW_URI to your MLflow "
            "tracking server to roll models back from Slack."
        )
    return ctx.registry


def _plan(
    registry: ModelRegistry,
    system: System,
    to_version: int | None,
    last: Rollback | None,
    previous: dict[int, int],
) -> Plan:
    """From the version behind the alias now to: the one asked for; for an undo, the one the
    last rollback moved it from; else the one that held the alias before it (when Warroom
    moved it), else the highest version below it."""
    link = system.registry
    assert link is not None
    name, alias = link.mlflow_name, link.alias
    try:
        current = registry.version_by_alias(name, alias)
        if current is None:
            raise InvalidInput(f"The `{escape(alias)}` alias of {escape(name)} is not set.")
        if last is not None:
            target = last.from_version
        elif to_version is not None:
            target = registry.version(name, to_version).version
        else:
            target = previous.get(current.version) or _highest_below(
                registry, name, current.version
            )
    except RegistryNotFound:
        raise NotFound(
            f"{escape(name)} has no v{to_version}; versions: {_versions(registry, name)}."
        ) from None
    except RegistryError as exc:
        raise InvalidInput(
            f"The model registry did not answer ({escape(str(exc))}); try again."
        ) from None
    if target == current.version:
        raise InvalidInput(f"`{escape(alias)}` already points at v{target}.")
    return Plan(system, name, alias, current.version, target, last.id if last else None)


def _highest_below(registry: ModelRegistry, name: str, version: int) -> int:
    lower = [v.version for v in registry.versions(name) if v.version < version]
    if not lower:
        raise InvalidInput(f"{escape(name)} has no version below v{version} to roll back to.")
    return max(lower)


def _versions(registry: ModelRegistry, name: str) -> str:
    try:
        return ", ".join(f"v{v.version}" for v in registry.versions(name)) or "none"
    except RegistryError:
        return "unknown (the registry did not answer)"


def _question(plan: Plan) -> str:
    if plan.undo_of:
        return (
            f"Undo the rollback of {plan.system.key}: move {plan.alias} back from "
            f"v{plan.from_version} to v{plan.to_version}?"
        )
    return f"Roll back {plan.system.key} from v{plan.from_version} to v{plan.to_version}?"


def _last_done(session: Session, incident_id: int, system: str) -> Rollback:
    rows = session.exec(
        select(Rollback)
        .where(Rollback.incident_id == incident_id, Rollback.system == system)
        .where(Rollback.status == "done")
        .order_by(col(Rollback.done_at).desc())
    )
    last = rows.first()
    if last is None:
        raise InvalidInput(f"Nothing to undo: `{escape(system)}` was not rolled back here.")
    return last


def _previous_holder(session: Session, system: str) -> dict[int, int]:
    """What Warroom knows of the alias's history: version moved to -> version moved from."""
    rows = session.exec(
        select(Rollback.to_version, Rollback.from_version)
        .where(Rollback.system == system, Rollback.status == "done")
        .order_by(col(Rollback.done_at))
    )
    return {to: start for to, start in rows}


def _ensure_none_active(session: Session, incident_id: int, system: str) -> None:
    active = session.exec(
        select(Rollback).where(
            Rollback.incident_id == incident_id,
            Rollback.system == system,
            col(Rollback.status).in_(ACTIVE),
        )
    ).first()
    if active is not None:
        raise InvalidInput(
            f"A rollback of `{escape(system)}` is already {active.status}; "
            "settle its decision first (`/incident decisions`)."
        )
