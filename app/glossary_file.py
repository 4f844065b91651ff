"""The shipped glossary, `glossary.yaml` in the playbooks folder: term → plain definition,
or term → {definition, aliases, why}. Every problem is named, like the playbooks'."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from app.config import ConfigError
from app.domain.glossary import (
    ALIASES_MAX,
    DEFINITION_MAX,
    TERM_MAX,
    WHY_MAX,
    Glossary,
    Term,
    key,
)
from app.playbook_files import GLOSSARY_FILE
from app.yaml_files import YamlProblem, key_path, read_yaml


def _within(most: int, what: str) -> Any:
    def check(value: str) -> str:
        text = " ".join(value.split())
        if len(text) > most:
            raise ValueError(f"is {len(text)} characters; keep {what} to {most}")
        return text

    return AfterValidator(check)


def _required(value: str) -> str:
    if not value:
        raise ValueError("is empty")
    return value


Name = Annotated[str, _within(TERM_MAX, "a term or alias"), AfterValidator(_required)]


class EntryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    definition: Annotated[str, _within(DEFINITION_MAX, "a definition"), AfterValidator(_required)]
    aliases: list[Name] = Field(default_factory=list, max_length=ALIASES_MAX)
    why: Annotated[str, _within(WHY_MAX, "why it matters")] = ""


def glossary_problems(folder: Path) -> list[str]:
    return read_glossary(folder)[1]


def load_glossary(folder: Path) -> Glossary:
    """The folder's glossary (empty when it has no glossary.yaml); ConfigError naming every
    problem otherwise."""
    glossary, problems = read_glossary(folder)
    if problems:
        raise ConfigError("the glossary cannot be used:\n  " + "\n  ".join(problems))
    return glossary


def read_glossary(folder: Path) -> tuple[Glossary, list[str]]:
    path = folder / GLOSSARY_FILE
    if not path.is_file():
        return Glossary(), []
    try:
        _, raw = read_yaml(path)
    except YamlProblem as exc:
        return Glossary(), [f"{path}: {exc}"]
    if not isinstance(raw, dict):
        return Glossary(), [f"{path}: the file must map each term to its definition"]
    terms, problems = _terms(raw)
    problems += _names_used_twice(terms)
    return Glossary(terms), [f"{path}: {p}" for p in problems]


def _terms(raw: dict[Any, Any]) -> tuple[list[Term], list[str]]:
    terms, problems = [], []
    for name, entry in raw.items():
        name = " ".join(str(name).split())
        if not name or len(name) > TERM_MAX:
            problems.append(f"{name[:20]!r}: a term is 1 to {TERM_MAX} characters")
            continue
        given = {"definition": entry} if isinstance(entry, str) else entry
        try:
            parsed = EntryFile.model_validate(given)
        except ValidationError as exc:
            problems += [
                f"{key_path((name, *err['loc']))}: {_message(err)}" for err in exc.errors()
            ]
            continue
        terms.append(Term(name, parsed.definition, tuple(parsed.aliases), parsed.why))
    return terms, problems


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key (keys: {', '.join(EntryFile.model_fields)})"
    if err["type"] == "missing":
        return "missing (required)"
    if err["type"] == "model_type":
        return "write the definition, or a mapping with definition:, aliases: and why:"
    return str(err["msg"]).removeprefix("Value error, ")


def _names_used_twice(terms: list[Term]) -> list[str]:
    """A name (term or alias) may mean one thing only, or a lookup would be a coin toss."""
    first: dict[str, str] = {}
    problems = []
    for term in terms:
        for name in term.names:
            owner = first.setdefault(key(name), term.term)
            if owner != term.term:
                problems.append(f"{term.term}: {name!r} already names {owner!r}")
    return problems


def export_yaml(terms: list[Term]) -> str:
    """The glossary as a glossary.yaml file; terms added in Slack marked with a comment
    saying who added them and when, so they can be folded into the file."""
    parts = []
    for term in terms:
        entry: dict[str, Any] = {"definition": term.definition}
        if term.aliases:
            entry["aliases"] = list(term.aliases)
        if term.why:
            entry["why"] = term.why
        text = yaml.safe_dump({term.term: entry}, sort_keys=False, allow_unicode=True, width=100)
        if term.added:
            mark = f"# added in Slack by {term.added_by}{_on(term.added_at)}"
            if term.updated_by:
                mark += f"; changed by {term.updated_by}{_on(term.updated_at)}"
            text = f"{mark}\n{text}"
        parts.append(text)
    return "\n".join(parts)


def _on(moment: datetime | None) -> str:
    return f" on {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else ""
