"""The catalog: the systems ML incidents happen to, what depends on what, and the business
functions each one serves; and the blast radius of a failure.

A feature store outage silently breaks every model that reads from it; those models feed
fraud screening, retention offers and search ranking. The blast radius of affected systems is
them plus everything downstream (transitively, through `depends_on`), and the business
functions all of those serve, with the people who own each.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.domain.errors import NotFound
from app.domain.text import escape

KINDS = ("model", "feature_store", "pipeline", "dataset", "service")
# Shown in this order: where data comes from first, what serves it last.
KIND_TITLES = {
    "feature_store": "Feature stores",
    "dataset": "Datasets",
    "pipeline": "Pipelines",
    "model": "Models",
    "service": "Services",
}
# A risk tier suggests a severity: the n-th most severe of the configured scale.
TIERS = {"critical": 0, "high": 1, "moderate": 2, "low": 3}


@dataclass(frozen=True)
class RegistryLink:
    """Where a model lives in the model registry, and the alias that serves traffic."""

    mlflow_name: str
    alias: str = "champion"


@dataclass(frozen=True)
class PublicFace:
    """How a system or business function appears on the public status page."""

    name: str  # "Payments API"
    description: str = ""


@dataclass(frozen=True)
class System:
    key: str
    kind: str
    description: str = ""
    owners: tuple[str, ...] = ()  # user IDs (U…) or user group IDs (S…)
    depends_on: tuple[str, ...] = ()  # upstream systems
    serves: tuple[str, ...] = ()  # business functions
    risk_tier: str | None = None
    registry: RegistryLink | None = None
    playbook: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (label, URL)
    public: PublicFace | None = None  # shown on the status page as a component


@dataclass(frozen=True)
class BusinessFunction:
    key: str
    name: str  # in business words: "Fraud & risk"
    owners: tuple[str, ...] = ()
    role: str | None = None  # the incident role its owner is given, e.g. risk-owner
    public: PublicFace | None = None  # shown on the status page as a component


@dataclass(frozen=True)
class BlastRadius:
    affected: tuple[System, ...]  # what was named
    downstream: tuple[System, ...]  # what depends on it, transitively (not named)
    functions: tuple[BusinessFunction, ...]

    @property
    def systems(self) -> tuple[System, ...]:
        return self.affected + self.downstream

    @property
    def owners(self) -> tuple[str, ...]:
        """Everyone who owns a system or function in the radius (IDs and groups), once."""
        seen = [o for s in self.systems for o in s.owners]
        seen += [o for f in self.functions for o in f.owners]
        return tuple(dict.fromkeys(seen))

    @property
    def highest_tier(self) -> str | None:
        tiers = [s.risk_tier for s in self.systems if s.risk_tier]
        return min(tiers, key=TIERS.__getitem__) if tiers else None

    def by_kind(self) -> list[tuple[str, list[System]]]:
        """Systems grouped by kind, in the catalog's kind order."""
        groups = [(kind, [s for s in self.systems if s.kind == kind]) for kind in KIND_TITLES]
        return [(kind, systems) for kind, systems in groups if systems]


@dataclass
class Catalog:
    systems: dict[str, System] = field(default_factory=dict)
    functions: dict[str, BusinessFunction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._dependants: dict[str, list[str]] = {key: [] for key in self.systems}
        for system in self.systems.values():
            for upstream in system.depends_on:
                self._dependants.setdefault(upstream, []).append(system.key)

    def __bool__(self) -> bool:
        return bool(self.systems)

    def system(self, name: str) -> System:
        """A system by key (case-insensitive); NotFound naming close matches otherwise."""
        wanted = name.strip().lower()
        if wanted in self.systems:
            return self.systems[wanted]
        raise NotFound(self._unknown(name))

    def systems_named(self, names: Iterable[str]) -> list[System]:
        """Each name looked up; one NotFound listing every unknown name and its close matches."""
        found, unknown = [], []
        for name in names:
            try:
                found.append(self.system(name))
            except NotFound:
                unknown.append(name)
        if unknown:
            raise NotFound(" ".join(self._unknown(n) for n in unknown))
        return list(dict.fromkeys(found))

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name.strip().lower(), self.systems, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        listing = "" if close else " `/incident catalog` lists them."
        return f"`{escape(name)}` is not in the catalog.{hint}{listing}"

    def dependants(self, key: str) -> list[str]:
        """Systems that depend directly on `key`."""
        return list(self._dependants.get(key, []))

    def upstream(self, key: str) -> list[System]:
        return [self.systems[k] for k in self.systems[key].depends_on if k in self.systems]

    def downstream(self, key: str) -> list[System]:
        return [self.systems[k] for k in self.dependants(key)]

    def ancestors(self, key: str) -> set[str]:
        """Everything `key` depends on, transitively (not `key` itself)."""
        seen: set[str] = set()
        queue = deque(self.systems[key].depends_on if key in self.systems else ())
        while queue:
            upstream = queue.popleft()
            if upstream not in seen and upstream in self.systems:
                seen.add(upstream)
                queue.extend(self.systems[upstream].depends_on)
        return seen

    def blast_radius(self, affected: Iterable[str]) -> BlastRadius:
        """The named systems, everything downstream of them, and the functions they serve."""
        named = [self.systems[k] for k in dict.fromkeys(affected) if k in self.systems]
        seen = {s.key for s in named}
        queue = deque(s.key for s in named)
        below: list[System] = []
        while queue:  # breadth first: nearer dependants are listed first
            for key in self._dependants.get(queue.popleft(), ()):
                if key not in seen:
                    seen.add(key)
                    below.append(self.systems[key])
                    queue.append(key)
        served = dict.fromkeys(f for s in (*named, *below) for f in s.serves)
        functions = tuple(self.functions[f] for f in served if f in self.functions)
        return BlastRadius(tuple(named), tuple(below), functions)


def find_cycle(depends_on: dict[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a path that ends where it starts (a → b → a), or None.

    Iterative depth-first search: a catalog thousands of systems deep must not overflow
    Python's recursion limit."""
    done: set[str] = set()
    for start in depends_on:
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(depends_on.get(start, ()))]
        while stack:
            upstream = next(stack[-1], None)
            if upstream is None:  # every upstream of path[-1] explored
                key = path.pop()
                on_path.discard(key)
                done.add(key)
                stack.pop()
                continue
            if upstream in on_path:
                return [*path[path.index(upstream) :], upstream]
            if upstream in depends_on and upstream not in done:
                path.append(upstream)
                on_path.add(upstream)
                stack.append(iter(depends_on.get(upstream, ())))
    return None


def suggested_rank(tier: str | None) -> int | None:
    """The severity rank a risk tier suggests (0 is the most severe), or None."""
    return TIERS.get(tier) if tier else None
