"""Action items: what an incident taught, owned by a person, due by a date, closed only with
how the fix was verified in production. Pure rules: no database, no Slack, time passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.errors import InvalidInput
from app.domain.text import escape

KINDS = ("prevent", "detect", "mitigate", "process")
DEFAULT_KIND = "prevent"  # most follow-ups stop it happening again
OPEN, DONE = "open", "done"
MAX_TEXT = 300
MAX_VERIFICATION = 500
REMIND_EVERY = timedelta(days=7)  # after falling due, weekly until done
# Default due time by severity rank (most severe first); severities past the list get the last.
DEFAULT_DUE = (timedelta(days=7), timedelta(days=14), timedelta(days=30), timedelta(days=60))

_REF = re.compile(r"^a-?(\d{1,6})$", re.IGNORECASE)


def action_ref(number: int) -> str:
    return f"A-{number}"


def parse_ref(text: str) -> int | None:
    """`A-2`, `a2` → 2; anything else → None."""
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


def looks_like_ref(text: str) -> bool:
    return parse_ref(text) is not None


def check_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            "Say what should be done: `/incident action Add a null-rate alert on "
            "transaction_amount --owner @dana --due 14d`."
        )
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"Keep an action item under {MAX_TEXT} characters.")
    return cleaned


def check_kind(kind: str) -> str:
    cleaned = kind.strip().lower()
    if cleaned not in KINDS:
        raise InvalidInput(
            f"`--kind` is one of {', '.join(f'`{k}`' for k in KINDS)}, not `{escape(kind)}`."
        )
    return cleaned


def check_verification(text: str, ref: str) -> str:
    """Closing says how the fix was verified in production: nothing is closed on faith."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            f"Say how it was verified in production: `/incident action {ref} done null-rate "
            "alert fired in the staging replay and is live in prod`."
        )
    if len(cleaned) > MAX_VERIFICATION:
        raise InvalidInput(f"Keep the verification under {MAX_VERIFICATION} characters.")
    return cleaned


def default_due(rank: int, configured: timedelta | None) -> timedelta:
    """The configured due time for a severity, else the built-in one for its rank."""
    if configured is not None:
        return configured
    return DEFAULT_DUE[min(rank, len(DEFAULT_DUE) - 1)]


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    return status == OPEN and due_at <= now


def next_reminder(due_at: datetime, now: datetime) -> datetime:
    """When to remind next, having reminded at `now`: a week on, never a burst after downtime."""
    return max(due_at, now) + REMIND_EVERY


@dataclass(frozen=True)
class Counts:
    """Action items over a period: opened in it, done in it, and open past their due date."""

    opened: int
    done: int
    overdue: int
