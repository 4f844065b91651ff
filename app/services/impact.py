"""What an incident affects: systems from the catalog, their blast radius, the people in it.

Naming affected systems (at declaration with --affects, or later with `/incident affects`)
records them, posts the blast radius in the incident channel, invites the owners of every
system and business function in it, gives each business function's owner its role when that
role is free, logs it all, and, when a system in the radius is of a risk tier that suggests a
higher severity, offers the commander a button to raise it (never raising on its own).

Slack and the model registry are asked before the transaction (group members, alias versions):
a use case's transaction never waits on the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain.catalog import BlastRadius, System, suggested_rank
from app.domain.errors import InvalidInput
from app.integrations.registry import RegistryError
from app.persistence.tables import AffectedSystem, Incident
from app.services import alert_views, roles
from app.services import outbox_messages as said
from app.services.context import BOT_ACTOR, Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel

MAX_REGISTRY_LOOKUPS = 10  # models whose alias is read for one blast radius


@dataclass(frozen=True)
class Lookups:
    """What was asked of Slack and the registry before the transaction."""

    people: dict[str, list[str]]  # owner (user or group) -> user IDs
    versions: dict[str, str]  # system key -> "champion → v12, since …"
    version_lines: list[str]


@dataclass(frozen=True)
class Affected:
    incident_ref: str
    added: list[str]
    radius: BlastRadius


def look_up(ctx: ServiceContext, radius: BlastRadius) -> Lookups:
    """Owners' people (groups expanded) and the registry's versions for the radius's models."""
    people = {owner: ctx.people_of([owner]) for owner in radius.owners}
    versions = model_versions(ctx, radius.systems)
    lines = [f"{key}: {note}" for key, note in versions.items()]
    return Lookups(people, versions, lines)


def model_versions(ctx: ServiceContext, systems: Iterable[System]) -> dict[str, str]:
    """For models in the registry: the version behind the alias, e.g. `champion → v12, since
    2026-11-29 23:10`. The registry being down is said, not raised."""
    registry = ctx.registry
    models = [s for s in systems if s.registry is not None][:MAX_REGISTRY_LOOKUPS]
    if registry is None or not models:
        return {}
    notes: dict[str, str] = {}
    for system in models:
        link = system.registry
        assert link is not None
        try:
            current = registry.version_by_alias(link.mlflow_name, link.alias)
        except RegistryError as exc:
            notes[system.key] = f"{link.alias}: the registry did not answer ({exc})"
            continue
        if current is None:
            notes[system.key] = f"{link.alias}: not set in the registry"
            continue
        since = f", since {current.created_at:%Y-%m-%d %H:%M} UTC" if current.created_at else ""
        notes[system.key] = f"{link.alias} → v{current.version}{since}"
    return notes


def affect(ctx: ServiceContext, channel_id: str, names: list[str], actor: str) -> Affected:
    """`/incident affects <system> [<system>…]` in an incident's channel."""
    if not ctx.catalog:
        raise InvalidInput("There is no catalog yet: list your systems under `catalog:`.")
    if not names:
        raise InvalidInput("Name the systems: `/incident affects fs-online fraud-scorer`.")
    systems = ctx.catalog.systems_named(names)
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        already = affected_keys(session, incident.id or 0)
    radius = ctx.catalog.blast_radius([*already, *(s.key for s in systems)])
    lookups = look_up(ctx, radius)
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        added = record(ctx, unit, incident, [s.key for s in systems], actor, lookups)
        if not added:
            listed = ", ".join(f"`{s.key}`" for s in systems)
            raise InvalidInput(f"{incident.ref} already affects {listed}.")
        return Affected(incident.ref, added, radius)


def record(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    keys: list[str],
    actor: str,
    lookups: Lookups,
) -> list[str]:
    """Record newly affected systems and act on the blast radius (inside a use case's
    transaction). Returns the keys that were new."""
    added = store(unit, incident, keys, actor)
    if added:
        act_on_radius(ctx, unit, incident, added, actor, lookups)
        alert_views.offer_attach(ctx, unit, added)
    return added


def store(unit: Unit, incident: Incident, keys: list[str], actor: str) -> list[str]:
    """The systems not yet recorded for the incident, recorded now."""
    assert incident.id is not None
    already = affected_keys(unit.session, incident.id)
    added = [k for k in dict.fromkeys(keys) if k not in already]
    for key in added:
        unit.session.add(
            AffectedSystem(incident_id=incident.id, system=key, added_by=actor, added_at=unit.now)
        )
    unit.session.flush()
    return added


def act_on_radius(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    added: list[str],
    actor: str,
    lookups: Lookups,
) -> None:
    """Post the radius, invite its owners, give business functions' roles, log it, and offer
    a higher severity when a tier suggests one."""
    assert incident.id is not None
    for row in unit.session.exec(
        select(AffectedSystem).where(AffectedSystem.incident_id == incident.id)
    ):
        if row.system in lookups.versions:
            row.model_version = lookups.versions[row.system]
            unit.session.add(row)
    radius = radius_of(ctx, unit.session, incident.id)
    # A drill never pulls in people who did not join it: its radius is shown, nobody invited.
    invited = [] if incident.drill else _invite_owners(unit, incident, radius, lookups)
    unit.post_in_incident(
        incident.id,
        said.BlastRadiusShown(
            affected=[s.key for s in radius.affected],
            downstream=[s.key for s in radius.downstream],
            functions=[f.key for f in radius.functions],
            versions=lookups.version_lines,
            added_by=actor,
            invited=invited,
        ),
    )
    _log(unit, incident, added, radius, actor)
    if not incident.drill:
        _give_function_roles(ctx, unit, incident, radius, lookups)
    _suggest_severity(ctx, unit, incident, radius)
    unit.refresh(incident.id)


def after_declaration(ctx: ServiceContext, incident_id: int, keys: list[str], actor: str) -> None:
    """The systems named at declaration were recorded with it; their owners are asked and the
    registry read now, beside the channel being created, not before it."""
    radius = ctx.catalog.blast_radius(keys)
    lookups = look_up(ctx, radius)
    with ctx.unit() as unit:
        incident = unit.session.exec(
            select(Incident).where(Incident.id == incident_id).with_for_update()
        ).one()
        act_on_radius(ctx, unit, incident, keys, actor, lookups)


def affected_keys(session: Session, incident_id: int) -> list[str]:
    rows = session.exec(
        select(AffectedSystem.system)
        .where(AffectedSystem.incident_id == incident_id)
        .order_by(col(AffectedSystem.added_at), col(AffectedSystem.system))
    )
    return list(rows)


def radius_of(ctx: ServiceContext, session: Session, incident_id: int) -> BlastRadius:
    return ctx.catalog.blast_radius(affected_keys(session, incident_id))


def _invite_owners(
    unit: Unit, incident: Incident, radius: BlastRadius, lookups: Lookups
) -> list[str]:
    people = list(dict.fromkeys(p for owner in radius.owners for p in lookups.people[owner]))
    if people:
        unit.say(Op.INVITE, incident_id=incident.id, payload={"users": people})
    return people


def _log(unit: Unit, incident: Incident, added: list[str], radius: BlastRadius, actor: str) -> None:
    assert incident.id is not None
    below = f"; downstream: {', '.join(s.key for s in radius.downstream)}"
    functions = ", ".join(f.name for f in radius.functions) or "none"
    unit.log(
        incident.id,
        actor,
        "impact",
        f"Affected: {', '.join(added)}"
        + (below if radius.downstream else "")
        + f". Business functions: {functions}.",
    )


def _give_function_roles(
    ctx: ServiceContext, unit: Unit, incident: Incident, radius: BlastRadius, lookups: Lookups
) -> None:
    """Each business function's configured role goes to its first owner, when still free."""
    assert incident.id is not None
    holders = current_holders(unit.session, incident.id)
    for function in radius.functions:
        if not function.role or function.role in holders:
            continue
        people = [p for owner in function.owners for p in lookups.people.get(owner, [])]
        if people:
            roles.give_role(ctx, unit, incident, function.role, people[0], BOT_ACTOR)
            holders[function.role] = people[0]


def _suggest_severity(
    ctx: ServiceContext, unit: Unit, incident: Incident, radius: BlastRadius
) -> None:
    """A tier that suggests a more severe level than the incident's: offer, never raise."""
    assert incident.id is not None
    tier = radius.highest_tier
    rank = suggested_rank(tier)
    if tier is None or rank is None:
        return
    scale = list(ctx.severities)
    suggested = scale[min(rank, len(scale) - 1)]
    if suggested.rank >= ctx.severities.describe(incident.severity).rank:
        return
    because = [s.key for s in radius.systems if s.risk_tier == tier]
    unit.post_in_incident(
        incident.id, said.SeveritySuggested(incident.severity, suggested.key, tier, because)
    )


@dataclass(frozen=True)
class Impact:
    incident_ref: str
    radius: BlastRadius
    versions: list[str]  # "fraud-scorer: champion → v12, since …", as last read


def current(ctx: ServiceContext, channel_id: str) -> Impact:
    """`/incident impact`: the blast radius of what the incident affects now."""
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        rows = list(
            session.exec(select(AffectedSystem).where(AffectedSystem.incident_id == incident.id))
        )
        radius = ctx.catalog.blast_radius(sorted(r.system for r in rows))
        versions = [f"{r.system}: {r.model_version}" for r in rows if r.model_version]
        return Impact(incident.ref, radius, versions)


def describe_system(ctx: ServiceContext, name: str) -> tuple[System, dict[str, str]]:
    """`/incident catalog <name>`: the system, and its model version when in the registry."""
    system = ctx.catalog.system(name)
    return system, model_versions(ctx, [system])
