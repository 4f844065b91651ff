"""The catalog's YAML keys (`catalog:`, `business_functions:`), validated like the rest of the
configuration, and the checks that span entries: references, cycles, roles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.domain.catalog import (
    KINDS,
    TIERS,
    BusinessFunction,
    Catalog,
    PublicFace,
    RegistryLink,
    System,
    find_cycle,
)

SYSTEM_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
OWNER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
Kind = Literal["model", "feature_store", "pipeline", "dataset", "service"]
Tier = Literal["critical", "high", "moderate", "low"]
assert set(Kind.__args__) == set(KINDS) and set(Tier.__args__) == set(TIERS)  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _owner_ids(value: list[str]) -> list[str]:
    for owner in value:
        if not OWNER_ID.match(owner):
            raise ValueError(
                f"{owner!r} is not a Slack user ID (U012ABCDEF) or user group ID (S012ABCDEF)"
            )
    return value


Owners = Annotated[list[str], AfterValidator(_owner_ids)]
MAX_PUBLIC_NAME = 100
MAX_PUBLIC_DESCRIPTION = 500


class PublicConfig(_Strict):
    """`public: {name: "Payments API"}`: shown on the status page as a component, under this
    name (never the catalog key). Entries sharing a name are one component."""

    name: str
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value or len(value) > MAX_PUBLIC_NAME:
            raise ValueError(f"must be one line of 1 to {MAX_PUBLIC_NAME} characters")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        if len(value.strip()) > MAX_PUBLIC_DESCRIPTION:
            raise ValueError(f"keep it under {MAX_PUBLIC_DESCRIPTION} characters")
        return value.strip()

    def face(self) -> PublicFace:
        return PublicFace(self.name, self.description)


class BusinessFunctionConfig(_Strict):
    name: str
    owners: Owners = Field(default_factory=list)
    role: str | None = None  # given to its owner in an incident that affects it, when free
    public: PublicConfig | None = None  # a component of the status page


class RegistryConfig(_Strict):
    mlflow_name: str
    alias: str = "champion"


class SystemConfig(_Strict):
    kind: Kind
    description: str = ""
    owners: Owners = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    serves: list[str] = Field(default_factory=list)
    risk_tier: Tier | None = None
    registry: RegistryConfig | None = None
    playbook: str | None = None
    links: dict[str, str] = Field(default_factory=dict)
    public: PublicConfig | None = None  # a component of the status page


def check_catalog(raw: dict[str, Any], roles: set[str]) -> list[str]:
    """Every problem in the catalog sections of a configuration, each entry checked on its
    own first, so one bad entry does not hide the others (for `warroom catalog check`)."""
    problems: list[str] = []
    systems = _each(raw.get("catalog") or {}, SystemConfig, "catalog", problems)
    functions = _each(
        raw.get("business_functions") or {}, BusinessFunctionConfig, "business_functions", problems
    )
    named = (set(raw.get("catalog") or {}), set(raw.get("business_functions") or {}))
    return problems + catalog_problems(systems, functions, roles, named)


def _each(entries: Any, model: Any, section: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(entries, dict):
        problems.append(f"{section}: must be a mapping of names to entries")
        return {}
    valid = {}
    for key, entry in entries.items():
        try:
            valid[str(key)] = model.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in (section, key, *err["loc"]))
                problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return valid


def catalog_problems(
    systems: dict[str, SystemConfig],
    functions: dict[str, BusinessFunctionConfig],
    roles: set[str],
    named: tuple[set[str], set[str]] | None = None,
) -> list[str]:
    """Every problem spanning entries, each naming the key: malformed names, unknown
    references, a dependency cycle, a role that does not exist. `named`: every system and
    function key given, valid or not (a reference to an invalid entry is not unknown)."""
    known_systems, known_functions = named or (set(systems), set(functions))
    problems = [
        f"catalog.{key}: not a valid system name (lowercase letters, digits, . _ -)"
        for key in systems
        if not SYSTEM_KEY.match(key)
    ]
    problems += [
        f"business_functions.{key}: not a valid name (lowercase letters, digits, . _ -)"
        for key in functions
        if not SYSTEM_KEY.match(key)
    ]
    for key, system in systems.items():
        problems += [
            f"catalog.{key}.depends_on: {up!r} is not in the catalog"
            for up in system.depends_on
            if up not in known_systems
        ]
        problems += [
            f"catalog.{key}.serves: {f!r} is not a business function"
            for f in system.serves
            if f not in known_functions
        ]
    problems += [
        f"business_functions.{key}.role: {f.role!r} is not a role (configure it under roles:)"
        for key, f in functions.items()
        if f.role is not None and f.role not in roles
    ]
    cycle = find_cycle({key: s.depends_on for key, s in systems.items()})
    if cycle:
        problems.append("catalog: dependency cycle " + " → ".join(cycle))
    return problems


def build_catalog(
    systems: dict[str, SystemConfig], functions: dict[str, BusinessFunctionConfig]
) -> Catalog:
    return Catalog(
        {key: _system(key, s) for key, s in systems.items()},
        {
            key: BusinessFunction(
                key, f.name, tuple(f.owners), f.role, f.public.face() if f.public else None
            )
            for key, f in functions.items()
        },
    )


def _system(key: str, s: SystemConfig) -> System:
    registry = RegistryLink(s.registry.mlflow_name, s.registry.alias) if s.registry else None
    return System(
        key=key,
        kind=s.kind,
        description=s.description,
        owners=tuple(s.owners),
        depends_on=tuple(s.depends_on),
        serves=tuple(s.serves),
        risk_tier=s.risk_tier,
        registry=registry,
        playbook=s.playbook,
        links=tuple(s.links.items()),
        public=s.public.face() if s.public else None,
    )


def merge_catalog_file(raw: dict[str, Any], config_path: Path | None) -> dict[str, Any]:
    """`catalog_file:` (relative to the configuration file) adds its `catalog:` and
    `business_functions:` to those given inline; a key defined in both is an error."""
    name = raw.get("catalog_file")
    if not name:
        return raw
    base = config_path.parent if config_path is not None else Path.cwd()
    path = (base / str(name)).resolve()
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ValueError(f"catalog_file: cannot read {path} ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"catalog_file: {path} is not valid YAML ({exc})") from None
    if not isinstance(loaded, dict) or set(loaded) - {"catalog", "business_functions"}:
        raise ValueError(f"catalog_file: {path} may hold only catalog: and business_functions:")
    merged = dict(raw)
    for section in ("catalog", "business_functions"):
        inline, extra = dict(raw.get(section) or {}), dict(loaded.get(section) or {})
        twice = sorted(set(inline) & set(extra))
        if twice:
            raise ValueError(f"{section}: {', '.join(twice)} defined inline and in {path}")
        merged[section] = {**inline, **extra}
    return merged
