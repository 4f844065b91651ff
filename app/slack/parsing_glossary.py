"""`/incident glossary [term]` and `/incident glossary add <term> <definition> [--aliases a, b]
[--why …]`. Words in, a command object out; no Slack calls, no database (see parsing.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.glossary import ALIASES_MAX, DEFINITION_MAX, TERM_MAX, WHY_MAX
from app.domain.text import escape
from app.slack.text import to_plain

ADD_USAGE = (
    "`/incident glossary add PSI how far the inputs moved from the training data` "
    '(quote a term of several words, `"shadow mode"`, or end it with a colon, `shadow mode:`; '
    "optional `--aliases a, b` and `--why <why it matters to the business>`)"
)
TERM_WORDS = 4  # `shadow mode: …`; a colon further on is part of the definition
_FLAGS = re.compile(r"\s+--(aliases|why)(?:=|\s+|$)", re.IGNORECASE)
_QUOTED = re.compile(r'^(?:"([^"]+)"|“([^”]+)”|\'([^\']+)\')\s*(.*)$', re.DOTALL)


@dataclass(frozen=True)
class ShowGlossary:
    term: str | None = None  # None: list the terms


@dataclass(frozen=True)
class AddGlossaryTerm:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    why: str = ""


def parse_glossary(args: str, caller: str) -> ShowGlossary | AddGlossaryTerm:
    text = to_plain(args)
    word, _, rest = text.partition(" ")
    if word.lower() == "add":
        return _add(rest.strip())
    return ShowGlossary(_one_line(text) or None)


def _add(text: str) -> AddGlossaryTerm:
    main, *flagged = _FLAGS.split(" " + text)
    flags = {
        name.lower(): _unquoted(value)
        for name, value in zip(flagged[::2], flagged[1::2], strict=True)
    }
    term, definition = _term_and_definition(main.strip())
    aliases = tuple(_one_line(a) for a in re.split(r"[,|]", flags.get("aliases", "")) if a.strip())
    why = _one_line(flags.get("why", ""))
    _check(term, definition, aliases, why)
    return AddGlossaryTerm(term, definition, aliases, why)


def _term_and_definition(text: str) -> tuple[str, str]:
    quoted = _QUOTED.match(text)
    if quoted:
        term = next(g for g in quoted.groups()[:3] if g is not None)
        return _one_line(term), _one_line(quoted.group(4))
    head, colon, tail = text.partition(":")
    if colon and 0 < len(head.split()) <= TERM_WORDS:
        return _one_line(head), _one_line(tail)
    term, _, definition = text.partition(" ")
    return term.strip(), _one_line(definition)


def _check(term: str, definition: str, aliases: tuple[str, ...], why: str) -> None:
    if not term or not definition:
        raise InvalidInput(f"Give the term, then its plain-words definition: {ADD_USAGE}.")
    for name in (term, *aliases):
        if len(name) > TERM_MAX:
            raise InvalidInput(
                f"`{escape(name[:30])}…` is {len(name)} characters; keep a term or alias to "
                f"{TERM_MAX}."
            )
    if len(definition) > DEFINITION_MAX:
        raise InvalidInput(
            f"The definition is {len(definition)} characters; keep it to {DEFINITION_MAX}: it "
            "is shown under business updates, so a sentence or three in plain words."
        )
    if len(why) > WHY_MAX:
        raise InvalidInput(f"`--why` is {len(why)} characters; keep it to {WHY_MAX}.")
    if len(aliases) > ALIASES_MAX:
        raise InvalidInput(f"{len(aliases)} aliases; at most {ALIASES_MAX}.")


def _unquoted(value: str) -> str:
    quoted = _QUOTED.match(value.strip())
    if quoted and not quoted.group(4).strip():
        return next(g for g in quoted.groups()[:3] if g is not None)
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())
