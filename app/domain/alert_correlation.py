"""Which open incident an alert belongs to, through the catalog.

A failing feature store makes every model that depends on it alarm at once: those alerts
belong to the incident already open for the feature store, not to thirty new ones. An alert
is related to an open incident when its system is:
- *same*: one the incident affects;
- *downstream*: inside the incident's blast radius (it depends on an affected system);
- *sibling* or *upstream*, only for an incident Warroom declared from an alert within the storm
  window: the system shares an upstream with one the incident affects (two models behind the
  same feature store), or is upstream of one (the feature store alarming after its models).
  Past the window, those are separate problems until a person says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.catalog import Catalog

SAME, DOWNSTREAM, SIBLING, UPSTREAM = "same", "downstream", "sibling", "upstream"
_PREFERENCE = (SAME, DOWNSTREAM, UPSTREAM, SIBLING)


@dataclass(frozen=True)
class OpenIncident:
    number: int
    systems: tuple[str, ...]  # the catalog systems it affects
    declared_at: datetime
    by_alert: bool  # declared by Warroom from an alert


@dataclass(frozen=True)
class Related:
    number: int
    how: str  # same | downstream | upstream | sibling


def related(
    catalog: Catalog,
    system: str | None,
    incidents: Sequence[OpenIncident],
    now: datetime,
    storm_window: timedelta,
) -> Related | None:
    """The open incident the alert of `system` belongs to, the closest relation first, then
    the oldest incident (the one the storm began with)."""
    if not system or system not in catalog.systems:
        return None
    mine = catalog.ancestors(system)
    found: list[Related] = []
    for incident in sorted(incidents, key=lambda i: (i.declared_at, i.number)):
        how = _relation(catalog, system, mine, incident, now - incident.declared_at, storm_window)
        if how:
            found.append(Related(incident.number, how))
    found.sort(key=lambda r: _PREFERENCE.index(r.how))  # stable: oldest first within a kind
    return found[0] if found else None


def _relation(
    catalog: Catalog,
    system: str,
    mine: set[str],
    incident: OpenIncident,
    age: timedelta,
    storm_window: timedelta,
) -> str | None:
    affected = set(incident.systems)
    if system in affected:
        return SAME
    if mine & affected:
        return DOWNSTREAM
    if not incident.by_alert or age > storm_window:
        return None
    if any(system in catalog.ancestors(key) for key in affected):
        return UPSTREAM
    if any(mine & catalog.ancestors(key) for key in affected):
        return SIBLING
    return None
