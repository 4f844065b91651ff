"""`/incident` subcommands about models and systems: affects, impact, catalog, rollback.

Words in, a command object out; no Slack calls, no database (see parsing.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.text import escape
from app.slack.text import to_plain

_NAMES = re.compile(r"[\s,]+")
_AFFECTS = re.compile(r"--affects(?:=|\s+)(\S+(?:\s*,\s*\S+)*)", re.IGNORECASE)


@dataclass(frozen=True)
class Affects:
    systems: list[str]


@dataclass(frozen=True)
class ShowImpact:
    pass


@dataclass(frozen=True)
class ShowCatalog:
    name: str | None = None


@dataclass(frozen=True)
class Rollback:
    model: str
    to_version: int | None = None
    undo: bool = False


def names(text: str) -> list[str]:
    """`fs-online, fraud-scorer churn` → the three names, lowercased, each once."""
    return list(dict.fromkeys(n.lower() for n in _NAMES.split(to_plain(text)) if n))


def take_affects(words: str) -> tuple[str, list[str]]:
    """The text without its `--affects a,b` flag, and the names it gave."""
    match = _AFFECTS.search(words)
    if not match:
        return words, []
    rest = (words[: match.start()] + " " + words[match.end() :]).strip()
    return rest, names(match.group(1))


def parse_affects(args: str, caller: str) -> Affects:
    systems = names(args)
    if not systems:
        raise InvalidInput(
            "Name what is affected: `/incident affects fs-online fraud-scorer` "
            "(`/incident catalog` lists the systems)."
        )
    return Affects(systems)


def parse_catalog(args: str, caller: str) -> ShowCatalog:
    given = names(args)
    return ShowCatalog(given[0] if given else None)


def parse_rollback(args: str, caller: str) -> Rollback:
    words = to_plain(args).split()
    undo = any(w.lower() == "--undo" for w in words)
    words = [w for w in words if w.lower() != "--undo"]
    to_version = None
    if "--to" in (w.lower() for w in words):
        at = [w.lower() for w in words].index("--to")
        if at + 1 >= len(words):
            raise InvalidInput("`--to` takes a version: `/incident rollback fraud-scorer --to 11`.")
        to_version = _version(words[at + 1])
        words = words[:at] + words[at + 2 :]
    if len(words) != 1 or (undo and to_version is not None):
        raise InvalidInput(
            "Say which model: `/incident rollback fraud-scorer` (to the version before), "
            "`--to 11` for another, or `--undo` to move it back."
        )
    return Rollback(words[0].lower(), to_version, undo)


def _version(text: str) -> int:
    cleaned = text.lower().removeprefix("v")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise InvalidInput(f"`{escape(text)}` is not a model version; write it like `11` or `v11`.")
    return int(cleaned)
