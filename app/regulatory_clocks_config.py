"""The `regulatory_clocks:` YAML section: the clocks `/incident flag` can start.

The built-in ones (GDPR Art. 33 and the EU AI Act's Art. 73) are defaults: a key given in the
file overrides them field by field, `name: null` removes one, and new keys add the
organisation's own (`contract-sla: {label: "Key account notice", deadline: 24h}`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from app.config_merge import over_defaults
from app.domain.durations import parse_duration
from app.domain.regulatory_clocks import BUILTIN_CLOCKS, COMPLIANCE, ClockCatalog, ClockKind

_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_LABEL = 60


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class ClockConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str  # how people know it: "GDPR Art. 33"
    deadline: Duration  # from the moment of awareness
    notify_role: str = COMPLIANCE  # who is reminded (the commander when nobody holds it)

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or len(cleaned) > MAX_LABEL:
            raise ValueError(f"give a label of one line, at most {MAX_LABEL} characters")
        return cleaned

    @field_validator("notify_role")
    @classmethod
    def _role(cls, value: str) -> str:
        return value.strip().lower()


DEFAULT_CLOCKS: dict[str, dict[str, Any]] = {
    k.key: {"label": k.label, "deadline": k.deadline, "notify_role": k.notify_role}
    for k in BUILTIN_CLOCKS
}


def merge_clocks(value: Any) -> Any:
    return over_defaults(value, DEFAULT_CLOCKS)


def clock_problems(clocks: dict[str, ClockConfig], roles: set[str]) -> list[str]:
    """Names that cannot be typed, and roles that do not exist."""
    problems = []
    for key, clock in clocks.items():
        if not _KEY.match(key):
            problems.append(
                f"regulatory_clocks: {key!r} is not a valid clock name (lowercase, e.g. "
                "contract-sla)"
            )
        if clock.notify_role not in roles:
            problems.append(
                f"regulatory_clocks.{key}.notify_role: {clock.notify_role!r} is not a role "
                f"({', '.join(sorted(roles))})"
            )
    return problems


def clock_catalog(clocks: dict[str, ClockConfig]) -> ClockCatalog:
    return ClockCatalog(
        ClockKind(key, c.label, c.deadline, c.notify_role) for key, c in clocks.items()
    )
