"""Playbook files: one YAML file per failure mode in the playbooks folder, validated into the
domain's Playbook. Every problem is named (file, key, what is wrong), never only the first.

The ML platform team edits these files, not Python, so the checks here are what stands
between a typo and a checklist that breaks in a live incident.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from app.config import ConfigError
from app.domain.catalog import Catalog
from app.domain.playbooks import EVIDENCE_KINDS, PHASES, Option, Phase, Playbook, Step
from app.yaml_files import YamlProblem, key_path, read_yaml

SUFFIX = ".yaml"
GLOSSARY_FILE = "glossary.yaml"  # lives beside the playbooks; not a playbook itself
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # playbook names and step/option ids
ID_MAX = 60  # ids travel in Slack action values and block IDs with the incident's reference
# A step is a checkbox in the incident's checklist, and Slack cuts a checkbox option's text
# at 75 characters (Block Kit option object), so longer text would be refused by Slack.
TEXT_MAX = 75
TITLE_MAX = 150  # shown as a Block Kit header, which holds 150 characters
# The checklist is one message with a block per step plus the phase headings and the title,
# and a message holds at most 50 blocks: 40 steps leave room for the rest.
MAX_STEPS = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _id(value: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"{value!r}: use lowercase letters, digits, - and _ (e.g. confirm-drop)")
    if len(value) > ID_MAX:
        raise ValueError(f"{value[:20]!r}… is {len(value)} characters; keep ids to {ID_MAX}")
    return value


def _short_text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValueError("is empty; say what to do")
    if len(text) > TEXT_MAX:
        raise ValueError(
            f"is {len(text)} characters; a checklist item shows at most {TEXT_MAX} (Slack's "
            "limit for a checkbox), so shorten it"
        )
    return text


Id = Annotated[str, AfterValidator(_id)]
ShortText = Annotated[str, AfterValidator(_short_text)]


class StepFile(_Strict):
    id: Id
    text: ShortText
    role: str | None = None
    required: bool = False
    evidence: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        roles: Collection[str] = (info.context or {}).get("roles", ())
        if value is not None and value not in roles:
            raise ValueError(
                f"{value!r} is not a role (roles: {', '.join(roles)}; add others under "
                "roles: in the configuration)"
            )
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in EVIDENCE_KINDS:
            raise ValueError(f"{value!r} is not an evidence kind ({', '.join(EVIDENCE_KINDS)})")
        return value


class OptionFile(_Strict):
    """One fix on the remediation menu."""

    id: Id
    text: ShortText
    effort: str = ""
    risk: str = ""
    rollback: str = ""
    success: str = ""


class PhaseFile(_Strict):
    steps: list[StepFile] = Field(default_factory=list)
    options: list[OptionFile] = Field(default_factory=list)


class PlaybookFile(_Strict):
    title: str
    summary: str = ""
    signals: list[str] = Field(default_factory=list)
    severity_guidance: str = ""
    phases: dict[str, PhaseFile]
    comms: str = ""
    escalate_when: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        title = " ".join(value.split())
        if not title or len(title) > TITLE_MAX:
            raise ValueError(f"write a title of 1 to {TITLE_MAX} characters")
        return title


_KEYS_OF: dict[str, type[BaseModel]] = {
    "phases": PhaseFile,
    "steps": StepFile,
    "options": OptionFile,
}


def playbook_problems(folder: Path, roles: Collection[str]) -> list[str]:
    """Every problem in the folder's playbook files, each naming the file and the key."""
    return read_folder(folder, roles)[1]


def load_playbooks(folder: Path, roles: Collection[str]) -> dict[str, Playbook]:
    """The folder's playbooks by name; ConfigError naming every problem if any file is bad."""
    playbooks, problems = read_folder(folder, roles)
    if problems:
        raise ConfigError("playbooks cannot be used:\n  " + "\n  ".join(problems))
    return playbooks


def catalog_playbook_problems(catalog: Catalog, names: Iterable[str]) -> list[str]:
    """A catalog system's `playbook:` must name a playbook that exists."""
    known = sorted(names)
    return [
        f"catalog.{key}.playbook: {system.playbook!r} is not a playbook "
        f"(playbooks: {', '.join(known) or 'none'})"
        for key, system in catalog.systems.items()
        if system.playbook and system.playbook not in known
    ]


def read_folder(folder: Path, roles: Collection[str]) -> tuple[dict[str, Playbook], list[str]]:
    """The valid playbooks by name, and every problem in the others."""
    if not folder.is_dir():
        return {}, [f"WARROOM_PLAYBOOKS_DIR: {folder} is not a folder"]
    playbooks: dict[str, Playbook] = {}
    problems = [
        f"{path}: playbooks end in {SUFFIX}; rename it to {path.stem}{SUFFIX}"
        for path in sorted(folder.glob("*.yml"))
    ]
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if path.name == GLOSSARY_FILE:
            continue
        playbook, found = read_playbook(path, roles)
        problems += [f"{path}: {problem}" for problem in found]
        if playbook is not None:
            playbooks[playbook.name] = playbook
    return playbooks, problems


def read_playbook(path: Path, roles: Collection[str]) -> tuple[Playbook | None, list[str]]:
    """One file: its playbook (None when it has problems) and every problem, without the
    file name."""
    problems = [] if NAME.match(path.stem) and len(path.stem) <= ID_MAX else [_BAD_NAME]
    try:
        data, raw = read_yaml(path)
    except YamlProblem as exc:
        return None, [*problems, str(exc)]
    if not isinstance(raw, dict):
        return None, [*problems, "the file must be a mapping of keys (title:, phases:, …)"]
    problems += structure_problems(raw)
    try:
        parsed = PlaybookFile.model_validate(raw, context={"roles": tuple(roles)})
    except ValidationError as exc:
        return None, [*problems, *(_describe(err) for err in exc.errors())]
    if problems:
        return None, problems
    return _playbook(path.stem, parsed, hashlib.sha256(data).hexdigest()), []


_BAD_NAME = (
    f"the file name is the playbook's name: use lowercase letters, digits, - and _ "
    f"(at most {ID_MAX}), e.g. model-drift{SUFFIX}"
)


def structure_problems(raw: dict[str, Any]) -> list[str]:
    """Checks across entries, on the raw data so they run even where a field is invalid:
    phase names, ids used twice, the menu only in remediation, how many steps."""
    phases = raw.get("phases")
    if not isinstance(phases, dict):
        return []
    problems = [
        f"phases.{name}: not a phase (the phases are {', '.join(PHASES)})"
        for name in phases
        if name not in PHASES
    ]
    steps = _entries(phases, "steps")
    problems += _repeated_ids(steps, "step")
    problems += _repeated_ids(_entries(phases, "options"), "option")
    problems += [
        f"phases.{name}.options: only remediation has a menu of fixes (options)"
        for name, phase in phases.items()
        if name != "remediation" and isinstance(phase, dict) and phase.get("options")
    ]
    if not steps:
        problems.append("phases: no steps; a playbook needs at least one step to check off")
    if len(steps) > MAX_STEPS:
        problems.append(
            f"phases: {len(steps)} steps; at most {MAX_STEPS} fit in the incident's checklist"
        )
    return problems


def _entries(phases: dict[Any, Any], key: str) -> list[tuple[str, Any]]:
    """(where, entry) for each step or option written, valid or not."""
    found = []
    for name, phase in phases.items():
        listed = phase.get(key) if isinstance(phase, dict) else None
        if isinstance(listed, list):
            found += [(f"phases.{name}.{key}[{i}]", entry) for i, entry in enumerate(listed)]
    return found


def _repeated_ids(entries: list[tuple[str, Any]], what: str) -> list[str]:
    first: dict[str, str] = {}
    problems = []
    for where, entry in entries:
        given = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(given, str):
            continue
        if given in first:
            problems.append(
                f"{where}.id: {given!r} is already the id of the {what} at {first[given]}"
            )
        else:
            first[given] = where
    return problems


def _describe(err: Any) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model: type[BaseModel] = next(
            (_KEYS_OF[p] for p in reversed(loc[:-1]) if isinstance(p, str) and p in _KEYS_OF),
            PlaybookFile,
        )
        return f"{key_path(loc)}: unknown key (keys here: {', '.join(model.model_fields)})"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "missing (required)"
    return f"{key_path(loc)}: {message}"


def _playbook(name: str, parsed: PlaybookFile, sha256: str) -> Playbook:
    phases = tuple(
        Phase(
            phase_name,
            tuple(Step(s.id, s.text, s.role, s.required, s.evidence) for s in phase.steps),
            tuple(
                Option(o.id, o.text, o.effort, o.risk, o.rollback, o.success) for o in phase.options
            ),
        )
        for phase_name in PHASES  # in the order they are worked, however the file lists them
        if (phase := parsed.phases.get(phase_name)) is not None
    )
    return Playbook(
        name=name,
        title=parsed.title,
        summary=parsed.summary.strip(),
        signals=tuple(parsed.signals),
        severity_guidance=parsed.severity_guidance.strip(),
        phases=phases,
        comms=parsed.comms.strip(),
        escalate_when=tuple(parsed.escalate_when),
        sha256=sha256,
    )
