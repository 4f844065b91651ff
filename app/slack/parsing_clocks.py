"""`/incident flag|notified|unflag|clocks`: words in, a command object out; no Slack calls, no
database (see parsing.py). Which clock names exist is the use case's to say (configuration).

    flag personal-data [--aware-since "2026-11-30 02:10"]   (UTC unless a zone is given)
    notified personal-data <the authority's reference>
    unflag personal-data <reason>
    clocks
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import InvalidInput
from app.domain.regulatory_clocks import EXAMPLE, parse_moment
from app.domain.text import escape
from app.slack.text import to_plain

USAGE = [
    (
        'flag <clock> [--aware-since "2026-11-30 02:10"]',
        "start a regulatory clock: `personal-data` (GDPR, 72h), `ai-act-serious` (15d), "
        "`ai-act-critical` (2d), `ai-act-death` (10d) or your own; time in UTC unless a zone is "
        "given",
    ),
    ("notified <clock> <reference>", "the authority was notified: record its reference, stop it"),
    ("unflag <clock> <reason>", "the clock no longer applies (the reason is logged)"),
    ("clocks", "the incident's regulatory clocks and the time left"),
]
_AWARE = re.compile(r"--aware[-_]since(?:=|\s+|$)(.*)$", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"""^(?:"([^"]*)"|“([^”]*)”|'([^']*)'|‘([^’]*)’)\s*(.*)$""", re.DOTALL)
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$", re.IGNORECASE)
_STRAY_FLAG = re.compile(r"(?:^|\s)--([a-z-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class FlagClock:
    name: str
    aware_since: datetime | None = None  # None: now


@dataclass(frozen=True)
class ClockNotified:
    name: str
    reference: str


@dataclass(frozen=True)
class UnflagClock:
    name: str
    reason: str


@dataclass(frozen=True)
class ListClocks:
    pass


def parse_flag(args: str, caller: str) -> FlagClock:
    text = to_plain(args)
    moment = None
    aware = _AWARE.search(text)
    if aware:
        moment = parse_moment(_when(aware.group(1)))
        text = text[: aware.start()]
    stray = _STRAY_FLAG.search(text)
    if stray:
        raise InvalidInput(
            f"I don't know `--{escape(stray.group(1))}`. Use `/incident flag <clock>`, "
            f"optionally with {EXAMPLE}."
        )
    words = text.split()
    if not words:
        raise InvalidInput(
            "Which clock? `/incident flag personal-data` (GDPR Art. 33, 72h), or "
            "`ai-act-serious`, `ai-act-critical`, `ai-act-death`; `/incident clocks` lists "
            f"every one. Add {EXAMPLE} when you became aware earlier."
        )
    if len(words) > 1:
        raise InvalidInput(
            f"Flag one clock at a time: `/incident flag {escape(words[0])}`, optionally with "
            f"{EXAMPLE}."
        )
    return FlagClock(_name(words[0]), moment)


def parse_notified(args: str, caller: str) -> ClockNotified:
    name, _, reference = to_plain(args).partition(" ")
    if not name or not reference.strip():
        raise InvalidInput(
            "Say which clock and the authority's reference: "
            "`/incident notified personal-data ICO-2026-12345`."
        )
    return ClockNotified(_name(name), reference.strip())


def parse_unflag(args: str, caller: str) -> UnflagClock:
    name, _, reason = to_plain(args).partition(" ")
    if not name or not reason.strip():
        raise InvalidInput(
            "Say which clock and why it no longer applies: "
            "`/incident unflag personal-data no personal data left the system`."
        )
    return UnflagClock(_name(name), reason.strip())


def _when(text: str) -> str:
    """The moment after `--aware-since`: quoted (any quotes Slack sends), or the rest."""
    stripped = text.strip()
    quoted = _QUOTED.match(stripped)
    if quoted is None:
        return stripped
    inside = next(g for g in quoted.groups()[:4] if g is not None)
    if quoted.group(5).strip():
        raise InvalidInput(
            f"Put `--aware-since` last: `/incident flag personal-data {EXAMPLE.strip('`')}`."
        )
    return inside


def _name(word: str) -> str:
    if not _NAME.match(word):
        raise InvalidInput(
            f"`{escape(word[:40])}` is not a clock name; `/incident clocks` lists them."
        )
    return word.lower()
