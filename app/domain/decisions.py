"""Pending decisions: options, references like D-3, and when their owner is reminded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.errors import InvalidInput
from app.domain.text import escape

DEFAULT_OPTIONS = ("Approve", "Reject")
MAX_OPTIONS = 5
MAX_OPTION = 40
MAX_QUESTION = 300
_REF = re.compile(r"^d-?(\d+)$", re.IGNORECASE)


class DecisionStatus(StrEnum):
    """Where a decision stands; stored as its value."""

    PENDING = "pending"  # asked, waiting on its owner
    DECIDED = "decided"  # an option was chosen, with a reason
    CLOSED = "closed"  # no longer needed: settled without a decision
    CARRIED = "carried"  # carried over to follow-up, without reminders


SETTLED = (DecisionStatus.DECIDED, DecisionStatus.CLOSED, DecisionStatus.CARRIED)


def decision_ref(number: int) -> str:
    return f"D-{number}"


def parse_ref(text: str) -> int:
    match = _REF.match(text.strip())
    if not match:
        raise InvalidInput(f"`{escape(text)}` is not a decision; they look like `D-3`.")
    return int(match.group(1))


def parse_options(text: str | None) -> list[str]:
    """`Roll back|Hold|Fallback` → three options; none given → Approve / Reject."""
    if text is None:
        return list(DEFAULT_OPTIONS)
    options: list[str] = []
    for raw in text.split("|"):
        option = " ".join(raw.split())
        if option and option.lower() not in {o.lower() for o in options}:
            options.append(option)
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise InvalidInput(
            f"Give between 2 and {MAX_OPTIONS} options separated by `|`, like "
            '`--options "Roll back|Hold|Fallback"`.'
        )
    too_long = [o for o in options if len(o) > MAX_OPTION]
    if too_long:
        raise InvalidInput(f"Keep each option under {MAX_OPTION} characters: {escape(too_long[0])}")
    return options


def match_option(options: list[str], typed: str) -> str:
    """Case-insensitive, and a unique prefix is enough: `approve`, `roll` → Roll back."""
    wanted = " ".join(typed.split()).lower()
    exact = [o for o in options if o.lower() == wanted]
    prefixed = [o for o in options if o.lower().startswith(wanted)] if wanted else []
    if exact or len(prefixed) == 1:
        return (exact or prefixed)[0]
    listed = ", ".join(f"`{escape(o)}`" for o in options)
    raise InvalidInput(f"`{escape(typed)}` is not one of the options: {listed}")


def check_question(question: str) -> str:
    cleaned = " ".join(question.split())
    if not cleaned:
        raise InvalidInput(
            'Ask the question: `/incident decision Roll back to v41? --options "Roll back|Hold"`.'
        )
    if len(cleaned) > MAX_QUESTION:
        raise InvalidInput(f"Keep the question under {MAX_QUESTION} characters.")
    return cleaned


@dataclass(frozen=True)
class ReminderPlan:
    """When a pending decision next needs attention."""

    next_remind_at: datetime | None
    escalate_at: datetime | None  # None: escalated already, or the owner is the commander

    @property
    def wake_at(self) -> datetime | None:
        times = [t for t in (self.next_remind_at, self.escalate_at) if t is not None]
        return min(times) if times else None


def escalation_time(asked_at: datetime, due_at: datetime) -> datetime:
    """Overdue by its full interval: as long past due as it was given to begin with."""
    return due_at + (due_at - asked_at)


def split_choice(options: list[str], typed: str) -> tuple[str, str]:
    """`roll back, lose a week but stop losses` → (Roll back, the reason). The longest option
    the text starts with wins; otherwise the first word picks an option (or a unique prefix)."""
    text = " ".join(typed.split())
    lowered = text.lower()
    starts = [o for o in options if lowered == o.lower() or lowered.startswith(o.lower() + " ")]
    if starts:
        chosen = max(starts, key=len)
        return chosen, text[len(chosen) :].strip(" ,:;-")
    first, _, rest = text.partition(" ")
    return match_option(options, first), rest.strip(" ,:;-")
