"""Drill scenario files: one YAML file per exercise in the drills folder, validated into the
domain's Scenario. Every problem is named (file, key, what is wrong), never only the first.

Incident managers edit these files, not Python: a scenario that breaks halfway through a drill
teaches the wrong lesson, so the checks here run at start-up and in `warroom drills check`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.config import ConfigError
from app.domain.drills import AlertInject, Inject, Scenario, Targets
from app.domain.durations import parse_duration
from app.yaml_files import YamlProblem, key_path, read_yaml

SUFFIX = ".yaml"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NAME_MAX = 60
TITLE_MAX = 150  # an incident's title
SAY_MAX = 2000  # one message in the channel
LONGEST = timedelta(hours=24)  # a drill is an afternoon's work, not a week's
MAX_INJECTS = 50


@dataclass(frozen=True)
class Known:
    """What a scenario may name: the configured severities, the playbooks, the catalog."""

    severities: Collection[str]
    playbooks: Collection[str]
    systems: Collection[str] = ()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _duration(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} has no unit; write it like 5m or 1h30m")
    if isinstance(value, str):
        return parse_duration(value, LONGEST)
    return value


def _text(most: int) -> Any:
    def check(value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("is empty")
        if len(text) > most:
            raise ValueError(f"is {len(text)} characters; keep it to {most}")
        return text

    return AfterValidator(check)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class AlertFile(_Strict):
    labels: dict[str, str]
    summary: Annotated[str, _text(TITLE_MAX)]
    value: Annotated[str, _text(200)] | None = None

    @field_validator("labels")
    @classmethod
    def _some_labels(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("name at least one label (alertname, model, severity…)")
        return value


class InjectFile(_Strict):
    at: Duration
    who: Annotated[str, _text(80)] | None = Field(default=None, alias="as")
    say: Annotated[str, _text(SAY_MAX)] | None = None
    alert: AlertFile | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> InjectFile:
        if (self.say is None) == (self.alert is None):
            raise ValueError("an inject either says something (as:, say:) or fires an alert:")
        if self.say is not None and self.who is None:
            raise ValueError('say who speaks with as: (e.g. as: "Fraud operations")')
        if self.alert is not None and self.who is not None:
            raise ValueError("an alert comes from the monitoring: drop as:")
        return self


class TargetsFile(_Strict):
    first_update: Duration | None = None
    roles_filled: Duration | None = None
    containment: Duration | None = None


class ScenarioFile(_Strict):
    title: Annotated[str, _text(TITLE_MAX)]
    severity: str
    briefing: Annotated[str, _text(SAY_MAX)] | None = None
    affects: list[str] = Field(default_factory=list)
    playbook: str | None = None
    injects: list[InjectFile] = Field(default_factory=list)
    targets: TargetsFile = Field(default_factory=TargetsFile)

    @field_validator("severity")
    @classmethod
    def _severity(cls, value: str, info: ValidationInfo) -> str:
        known: Known = (info.context or {})["known"]
        if value.lower() not in known.severities:
            raise ValueError(f"{value!r} is not a severity ({', '.join(known.severities)})")
        return value.lower()

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, value: str | None, info: ValidationInfo) -> str | None:
        known: Known = (info.context or {})["known"]
        if value is not None and value not in known.playbooks:
            names = ", ".join(sorted(known.playbooks)) or "none"
            raise ValueError(f"{value!r} is not a playbook (playbooks: {names})")
        return value

    @field_validator("injects")
    @classmethod
    def _not_too_many(cls, value: list[InjectFile]) -> list[InjectFile]:
        if len(value) > MAX_INJECTS:
            raise ValueError(f"{len(value)} injects; keep a drill to {MAX_INJECTS}")
        return value


_KEYS_OF: dict[str, type[BaseModel]] = {
    "injects": InjectFile,
    "alert": AlertFile,
    "targets": TargetsFile,
}


def drill_problems(folder: Path, known: Known) -> list[str]:
    return read_folder(folder, known)[1]


def load_drills(folder: Path, known: Known) -> dict[str, Scenario]:
    """The folder's scenarios by name; ConfigError naming every problem if any file is bad."""
    drills, problems = read_folder(folder, known)
    if problems:
        raise ConfigError("drill scenarios cannot be used:\n  " + "\n  ".join(problems))
    return drills


def read_folder(folder: Path, known: Known) -> tuple[dict[str, Scenario], list[str]]:
    if not folder.is_dir():
        return {}, [f"WARROOM_DRILLS_DIR: {folder} is not a folder"]
    drills: dict[str, Scenario] = {}
    problems = [
        f"{path}: scenarios end in {SUFFIX}; rename it to {path.stem}{SUFFIX}"
        for path in sorted(folder.glob("*.yml"))
    ]
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        scenario, found = read_scenario(path, known)
        problems += [f"{path}: {problem}" for problem in found]
        if scenario is not None:
            drills[scenario.name] = scenario
    return drills, problems


def unknown_systems(scenario: Scenario, systems: Collection[str]) -> list[str]:
    """Systems a scenario names that the catalog does not have: they are left out of the
    drill (the catalog is the organisation's; the shipped scenarios name typical systems)."""
    return [s for s in scenario.affects if s not in systems]


def read_scenario(path: Path, known: Known) -> tuple[Scenario | None, list[str]]:
    """One file: its scenario (None when it has problems) and every problem, without the file
    name."""
    problems = [] if NAME.match(path.stem) and len(path.stem) <= NAME_MAX else [_BAD_NAME]
    try:
        _, raw = read_yaml(path)
    except YamlProblem as exc:
        return None, [*problems, str(exc)]
    if not isinstance(raw, dict):
        return None, [*problems, "the file must be a mapping of keys (title:, injects:, …)"]
    try:
        parsed = ScenarioFile.model_validate(raw, context={"known": known})
    except ValidationError as exc:
        return None, [*problems, *(_describe(err) for err in exc.errors())]
    if problems:
        return None, problems
    return _scenario(path.stem, parsed), []


_BAD_NAME = (
    f"the file name is the drill's name: use lowercase letters, digits, - and _ "
    f"(at most {NAME_MAX}), e.g. fraud-precision-drop{SUFFIX}"
)


def _describe(err: Any) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model: type[BaseModel] = next(
            (_KEYS_OF[p] for p in reversed(loc[:-1]) if isinstance(p, str) and p in _KEYS_OF),
            ScenarioFile,
        )
        keys = [f.alias or name for name, f in model.model_fields.items()]
        return f"{key_path(loc)}: unknown key (keys here: {', '.join(keys)})"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "missing (required)"
    where = key_path(loc)
    return f"{where}: {message}" if where else message


def _scenario(name: str, parsed: ScenarioFile) -> Scenario:
    injects = sorted(
        (
            Inject(
                at=i.at,
                who=i.who or "",
                say=i.say or "",
                alert=AlertInject(dict(i.alert.labels), i.alert.summary, i.alert.value or "")
                if i.alert
                else None,
            )
            for i in parsed.injects
        ),
        key=lambda i: i.at,
    )
    return Scenario(
        name=name,
        title=parsed.title,
        severity=parsed.severity,
        briefing=parsed.briefing or "",
        affects=tuple(parsed.affects),
        playbook=parsed.playbook,
        injects=tuple(injects),
        targets=Targets(
            parsed.targets.first_update, parsed.targets.roles_filled, parsed.targets.containment
        ),
    )
