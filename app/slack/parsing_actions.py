"""`/incident action …` and `/incident actions [INC-n]`: words in, a command object out; no
Slack calls, no database (see parsing.py).

    action <text> [--owner @x] [--due 14d] [--kind prevent|detect|mitigate|process]
    action A-2 done <how it was verified>
    action INC-42 …    the same, from anywhere (an archived incident channel takes no commands)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from app.domain import action_items as rules
from app.domain.durations import parse_duration
from app.domain.errors import InvalidInput
from app.domain.text import escape
from app.slack.text import to_plain, user_id_from_mention

SELF_WORDS = {"me", "myself", "@me"}
USAGE = (
    "`/incident action <what should be done> [--owner @person] [--due 14d] "
    f"[--kind {'|'.join(rules.KINDS)}]`, or `/incident action A-2 done <how it was verified>`"
)
_FLAG = re.compile(r"--(owner|due|kind)(?:=|\s+)(\S+)", re.IGNORECASE)
_STRAY_FLAG = re.compile(r"(?:^|\s)--([a-z]+)\b", re.IGNORECASE)
_INCIDENT = re.compile(r"^inc-?(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class RecordAction:
    text: str
    owner: str | None = None
    due_in: timedelta | None = None
    kind: str = rules.DEFAULT_KIND
    incident: int | None = None  # INC-n named: from anywhere


@dataclass(frozen=True)
class CloseAction:
    number: int
    verification: str
    incident: int | None = None


@dataclass(frozen=True)
class ListActions:
    incident: int | None = None


def parse_action(args: str, caller: str) -> RecordAction | CloseAction:
    incident, args = _take_incident(args)
    first, _, rest = args.strip().partition(" ")
    number = rules.parse_ref(first) if first else None
    if number is not None:
        verb, _, how = rest.strip().partition(" ")
        if verb.lower() != "done":
            raise InvalidInput(
                f"Close an action item with `/incident action {rules.action_ref(number)} done "
                "<how it was verified in production>`."
            )
        return CloseAction(
            number, rules.check_verification(to_plain(how), rules.action_ref(number)), incident
        )
    return _record(args, caller, incident)


def parse_actions(args: str, caller: str) -> ListActions:
    incident, rest = _take_incident(args)
    if rest.strip():
        raise InvalidInput(
            "`/incident actions` lists this incident's action items; "
            "`/incident actions INC-42` those of another, from anywhere."
        )
    return ListActions(incident)


def _record(args: str, caller: str, incident: int | None) -> RecordAction:
    flags: dict[str, str] = {}
    for match in _FLAG.finditer(args):
        flags[match.group(1).lower()] = match.group(2)
    rest = _FLAG.sub(" ", args)
    stray = _STRAY_FLAG.search(rest)
    if stray:
        raise InvalidInput(
            f"I don't know `--{escape(stray.group(1))}` (or it has no value). Use {USAGE}."
        )
    text = to_plain(rest)
    if not text:
        raise InvalidInput(f"Say what should be done: {USAGE}.")
    return RecordAction(
        rules.check_text(text),
        _owner(flags["owner"], caller) if "owner" in flags else None,
        _due(flags["due"]) if "due" in flags else None,
        rules.check_kind(flags.get("kind", rules.DEFAULT_KIND)),
        incident,
    )


def _take_incident(args: str) -> tuple[int | None, str]:
    first, _, rest = args.strip().partition(" ")
    match = _INCIDENT.match(first)
    return (int(match.group(1)), rest) if match else (None, args)


def _owner(given: str, caller: str) -> str:
    if given.lower() in SELF_WORDS:
        return caller
    user = user_id_from_mention(given)
    if user is None:
        raise InvalidInput(
            f"`--owner` takes a person: `--owner @dana` (or `--owner me`), not "
            f"`{escape(to_plain(given))}`."
        )
    return user


def _due(given: str) -> timedelta:
    try:
        return parse_duration(given)
    except ValueError as exc:
        raise InvalidInput(f"`--due`: {escape(str(exc))}; action items take days: `14d`.") from None
