"""The public status page, built from what was published to customers and nothing else.

Every incident on it is the words of its customer posts: its name is the first line of the
first one, its status and impact those recorded with the latest one, its components those
that latest one affected. A post records the incident's state when it was published, so
nothing changes on the page between publications (a severity raised in Slack shows once the
next customer update goes out).

Vocabulary is Atlassian Statuspage's, so that widgets and monitors built for it can read ours:
incident statuses investigating | identified | monitoring | resolved, impact none | minor |
major | critical, component statuses operational | degraded_performance | partial_outage |
major_outage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from app.domain.catalog import Catalog
from app.domain.public_text import first_line

HISTORY_DAYS = 90
RECENT_INCIDENTS = 50  # in the incidents list, as Statuspage's incidents.json
FEED_ENTRIES = 50
UPDATE, RESOLUTION = "update", "resolution"
RESOLVED = "resolved"

# Warroom's phases, as a customer would name them.
PUBLIC_STATUS = {
    "investigating": "investigating",
    "contained": "identified",  # the cause is known and its effect limited
    "remediating": "identified",  # the fix is being made
    "verifying": "monitoring",  # the fix is in; watching it hold
    "resolved": RESOLVED,
}
STATUS_TITLES = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    RESOLVED: "Resolved",
}
IMPACTS = ("none", "minor", "major", "critical")  # least to most
RANKED_IMPACTS = ("critical", "major")  # the two most severe severities; the rest are minor
COMPONENT_STATUS = {
    "none": "operational",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}
COMPONENT_TITLES = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
IMPACT_TITLES = {  # shown for an incident: words for the impact, never a severity label
    "none": "No impact",
    "minor": "Minor disruption",
    "major": "Partial outage",
    "critical": "Major outage",
}
INDICATOR_DESCRIPTIONS = {  # Statuspage's own words for the overall indicator
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}


def public_status(internal: str, *, resolution: bool) -> str:
    """The status a customer post announces: resolved with the resolution notice, else the
    incident's phase in Statuspage's words."""
    return RESOLVED if resolution else PUBLIC_STATUS.get(internal, "investigating")


def impact_for_rank(rank: int) -> str:
    """Impact from the severity's rank (0 is the most severe), never from its label."""
    return RANKED_IMPACTS[rank] if 0 <= rank < len(RANKED_IMPACTS) else "minor"


def worst(impacts: Iterable[str]) -> str:
    return max(impacts, key=_impact_order, default="none")


def _impact_order(impact: str) -> int:
    return IMPACTS.index(impact) if impact in IMPACTS else 0


def public_id(*parts: object) -> str:
    """A stable opaque id (12 hex digits) for something shown publicly."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Post:
    """Words published to customers, with the incident's state when they were."""

    id: int
    incident: str  # the incident's public id
    at: datetime
    kind: str  # update | resolution
    status: str  # Statuspage's incident status
    impact: str
    text: str  # plain text
    refs: tuple[str, ...] = ()  # catalog entries affected: system:<key>, function:<key>


@dataclass(frozen=True)
class ComponentDef:
    """A public component: the catalog entries marked public under one name."""

    id: str
    name: str
    description: str
    refs: frozenset[str]


def component_defs(catalog: Catalog) -> list[ComponentDef]:
    """Systems then business functions marked `public`, in catalog order; entries sharing a
    name are one component."""
    faces = [(f"system:{k}", s.public) for k, s in catalog.systems.items()]
    faces += [(f"function:{k}", f.public) for k, f in catalog.functions.items()]
    by_name: dict[str, tuple[str, set[str]]] = {}
    for ref, face in faces:
        if face is None:
            continue
        description, refs = by_name.setdefault(face.name, (face.description, set()))
        refs.add(ref)
        if not description and face.description:
            by_name[face.name] = (face.description, refs)
    return [
        ComponentDef(public_id("component", name), name, description, frozenset(refs))
        for name, (description, refs) in by_name.items()
    ]


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    description: str
    status: str
    position: int
    updated_at: datetime | None  # the latest post about an incident affecting it

    @property
    def title(self) -> str:
        return COMPONENT_TITLES[self.status]


@dataclass(frozen=True)
class PublicUpdate:
    id: str
    incident: str
    status: str
    body: str
    at: datetime

    @property
    def title(self) -> str:
        return STATUS_TITLES.get(self.status, self.status.capitalize())


@dataclass(frozen=True)
class PublicIncident:
    id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: tuple[PublicUpdate, ...]  # newest first
    components: tuple[Component, ...]  # affected, as of the latest post

    @property
    def open(self) -> bool:
        return self.status != RESOLVED

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, self.status.capitalize())

    @property
    def impact_title(self) -> str:
        return IMPACT_TITLES.get(self.impact, "")


@dataclass(frozen=True)
class HistoryEntry:
    """A day with incidents (first == last), or a span of days without any."""

    first: date
    last: date
    incidents: tuple[PublicIncident, ...] = ()


@dataclass(frozen=True)
class StatusPage:
    indicator: str
    components: tuple[Component, ...]
    active: tuple[PublicIncident, ...]  # open, newest first
    history: tuple[HistoryEntry, ...]  # newest first
    recent: tuple[PublicIncident, ...]  # open and recent, newest first
    updated_at: datetime | None  # the latest post

    @property
    def description(self) -> str:
        return INDICATOR_DESCRIPTIONS[self.indicator]

    def feed(self) -> list[tuple[PublicIncident, PublicUpdate]]:
        """Every update of the recent incidents, newest first."""
        entries = [(i, u) for i in self.recent for u in i.updates]
        entries.sort(key=lambda e: (e[1].at, e[1].id), reverse=True)
        return entries[:FEED_ENTRIES]


def build_page(
    posts: Iterable[Post],
    defs: list[ComponentDef],
    today: date,
    zone: ZoneInfo,
    days: int = HISTORY_DAYS,
) -> StatusPage:
    """The page from posts (of open incidents and of those published to in the last `days`
    days); `today` is the page's day, in its time zone."""
    ordered = sorted(posts, key=lambda p: (p.incident, p.at, p.id))
    grouped = [list(g) for _, g in groupby(ordered, key=lambda p: p.incident)]
    touched = _touched(grouped, defs)
    components = tuple(
        Component(d.id, d.name, d.description, _component_status(d, grouped), n, touched.get(d.id))
        for n, d in enumerate(defs, start=1)
    )
    by_id = {c.id: c for c in components}
    incidents = sorted(
        (_incident(g, defs, by_id) for g in grouped), key=lambda i: i.created_at, reverse=True
    )
    active = tuple(i for i in incidents if i.open)
    return StatusPage(
        indicator=worst(i.impact for i in active),
        components=components,
        active=active,
        history=_history([i for i in incidents if not i.open], today, zone, days),
        recent=tuple(incidents[:RECENT_INCIDENTS]),
        updated_at=max((p.at for p in ordered), default=None),
    )


def _incident(
    posts: list[Post], defs: list[ComponentDef], components: dict[str, Component]
) -> PublicIncident:
    first, last = posts[0], posts[-1]
    updates = tuple(
        PublicUpdate(f"{first.incident}{n:03d}", first.incident, p.status, p.text, p.at)
        for n, p in reversed(list(enumerate(posts, start=1)))
    )
    monitoring = next((p.at for p in posts if p.status == "monitoring"), None)
    affected = tuple(components[d.id] for d in defs if d.refs & set(last.refs))
    return PublicIncident(
        id=first.incident,
        name=first_line(first.text) or "Service update",
        status=last.status,
        impact=last.impact,
        created_at=first.at,
        updated_at=last.at,
        monitoring_at=monitoring,
        resolved_at=last.at if last.status == RESOLVED else None,
        updates=updates,
        components=affected,
    )


def _component_status(definition: ComponentDef, grouped: list[list[Post]]) -> str:
    """The worst impact of the open incidents whose latest post affected it."""
    impacts = [
        g[-1].impact
        for g in grouped
        if g[-1].status != RESOLVED and definition.refs & set(g[-1].refs)
    ]
    return COMPONENT_STATUS[worst(impacts)]


def _touched(grouped: list[list[Post]], defs: list[ComponentDef]) -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    for posts in grouped:
        for d in defs:
            if d.refs & set(posts[-1].refs):
                latest[d.id] = max(latest.get(d.id, posts[-1].at), posts[-1].at)
    return latest


def _history(
    resolved: list[PublicIncident], today: date, zone: ZoneInfo, days: int
) -> tuple[HistoryEntry, ...]:
    """The last `days` days, newest first: each day with incidents (by the day their first
    post went out), and each run of days without any as one entry."""
    by_day: dict[date, list[PublicIncident]] = {}
    for incident in resolved:
        by_day.setdefault(incident.created_at.astimezone(zone).date(), []).append(incident)
    entries: list[HistoryEntry] = []
    quiet_since: date | None = None  # the newest day of the current quiet run
    for back in range(days):
        day = today - timedelta(days=back)
        if day in by_day:
            if quiet_since is not None:
                entries.append(HistoryEntry(day + timedelta(days=1), quiet_since))
                quiet_since = None
            entries.append(HistoryEntry(day, day, tuple(by_day[day])))
        elif quiet_since is None:
            quiet_since = day
    if quiet_since is not None:
        entries.append(HistoryEntry(today - timedelta(days=days - 1), quiet_since))
    return tuple(entries)
