"""The `postmortem:` YAML section: when a resolved incident's post-mortem is due, how often
its owner is reminded after that, and which incidents need none (drills, a severity)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from app.domain.durations import parse_duration

DRILLS = "drills"


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class PostmortemConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    due: Duration = timedelta(hours=48)  # after resolution
    remind_every: Duration = timedelta(hours=24)  # after it falls due, until it is done
    exempt: list[str] = Field(default_factory=list)  # "drills" and/or severity keys

    @field_validator("exempt")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        return [str(v).strip().lower() for v in value]

    def severity_problems(self, severities: list[str]) -> list[str]:
        """Entries of `exempt` that are neither `drills` nor a configured severity."""
        allowed = [DRILLS, *severities]
        return [
            f"postmortem.exempt: {entry!r} is not {', '.join(allowed)}"
            for entry in self.exempt
            if entry not in allowed
        ]

    def exemption(self, severity: str, drill: bool) -> str:
        """Why an incident needs no post-mortem ("" when it needs one)."""
        if drill and DRILLS in self.exempt:
            return "drills are exempt"
        if severity in self.exempt:
            return f"{severity.upper()} incidents are exempt"
        return ""
