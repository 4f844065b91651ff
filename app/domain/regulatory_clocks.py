"""Regulatory clocks: a legal deadline that runs from the moment the organisation became aware
of an incident. GDPR Art. 33 gives 72 hours to notify the supervisory authority of a personal
data breach; the EU AI Act's Art. 73 gives 15 days to report a serious incident of a high-risk
AI system, 2 days for a widespread infringement or one in critical infrastructure, 10 days for
a death. Organisations add their own in configuration.

Pure rules: the built-in clocks, when the holder of the clock's role is reminded (at 50%, 75%
and 90% of the time and when it runs out), how the time left reads, whether a deadline was met,
and what `--aware-since` means. Time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.errors import InvalidInput
from app.domain.roles import COMPLIANCE
from app.domain.text import escape

RUNNING, NOTIFIED, UNFLAGGED = "running", "notified", "unflagged"
# Shares of the time to the deadline at which the role holder is reminded; the last is the
# deadline itself, when the commander is told as well.
REMINDER_SHARES = (0.5, 0.75, 0.9, 1.0)
MAX_REFERENCE = 200
MAX_REASON = 300
OLDEST_AWARENESS = timedelta(days=365)  # further back is a typo, not an incident
CLOCK_SKEW = timedelta(minutes=1)  # "now" typed from a watch a little ahead is not the future


@dataclass(frozen=True)
class ClockKind:
    """A clock that can be flagged: its name in commands, how people know it, how long it
    runs and which role answers for it."""

    key: str
    label: str
    deadline: timedelta
    notify_role: str = COMPLIANCE


BUILTIN_CLOCKS = (
    ClockKind("personal-data", "GDPR Art. 33", timedelta(hours=72)),
    ClockKind("ai-act-serious", "AI Act Art. 73 (serious incident)", timedelta(days=15)),
    ClockKind("ai-act-critical", "AI Act Art. 73 (widespread or critical)", timedelta(days=2)),
    ClockKind("ai-act-death", "AI Act Art. 73 (death)", timedelta(days=10)),
)
_ALIASES = {"gdpr": "personal-data"}


def canonical(name: str) -> str:
    """The clock's key as typed any case, or by an alias (`gdpr`)."""
    wanted = name.strip().lower()
    return _ALIASES.get(wanted, wanted)


class ClockCatalog:
    """The clocks of this organisation: the built-in ones as configured, plus its own."""

    def __init__(self, kinds: Iterable[ClockKind] = BUILTIN_CLOCKS) -> None:
        self._kinds = {k.key: k for k in kinds}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._kinds.values())

    @property
    def keys(self) -> list[str]:
        return list(self._kinds)

    def get(self, name: str) -> ClockKind:
        try:
            return self._kinds[canonical(name)]
        except KeyError:
            raise InvalidInput(
                f"`{escape(name)}` is not a regulatory clock here. Clocks: {self.described()}."
            ) from None

    def described(self) -> str:
        """`personal-data` (GDPR Art. 33, 72h), …"""
        if not self._kinds:
            return "none are configured"
        return ", ".join(
            f"`{k.key}` ({escape(k.label)}, {span(k.deadline)})" for k in self._kinds.values()
        )


# --- reminders -------------------------------------------------------------------------------


def reminder_at(started_at: datetime, due_at: datetime, share: float) -> datetime:
    return started_at + (due_at - started_at) * share


def reminders_reached(started_at: datetime, due_at: datetime, now: datetime) -> int:
    """How many of the reminder points have come by `now` (0 to 4)."""
    return sum(1 for share in REMINDER_SHARES if reminder_at(started_at, due_at, share) <= now)


def next_reminder(started_at: datetime, due_at: datetime, reached: int) -> datetime | None:
    """When the next reminder falls due, once `reached` have been accounted for; None after
    the deadline's own."""
    if reached >= len(REMINDER_SHARES):
        return None
    return reminder_at(started_at, due_at, REMINDER_SHARES[reached])


def share_gone(reached: int) -> str:
    """`75%`: the reminder point last reached."""
    return f"{REMINDER_SHARES[reached - 1]:.0%}" if reached else "0%"


# --- how it reads ----------------------------------------------------------------------------


def span(delta: timedelta) -> str:
    """Hours while a deadline is days away at most, as people count them: `41h`, `5h 20m`,
    `35m`; longer ones in days: `14d 23h`. Rounded down: never more time than there is."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, mins = divmod(minutes, 60)
    if hours == 0:
        return f"{mins}m"
    if hours < 6 and mins:
        return f"{hours}h {mins}m"
    if hours <= 72:
        return f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def time_left(due_at: datetime, now: datetime) -> str:
    """`41h left`, `due now`, `overdue by 3h`."""
    left = due_at - now
    if abs(left) < timedelta(minutes=1):
        return "due now"
    return f"{span(left)} left" if left > timedelta(0) else f"overdue by {span(-left)}"


def met(due_at: datetime, notified_at: datetime | None, now: datetime) -> bool | None:
    """Whether the authority was notified in time: None while that is not known yet."""
    if notified_at is not None:
        return notified_at <= due_at
    return False if now > due_at else None


def notified_state(due_at: datetime, notified_at: datetime) -> str:
    """`notified on time`, `notified 3h late`."""
    late = notified_at - due_at
    return "notified on time" if late <= timedelta(0) else f"notified {span(late)} late"


@dataclass(frozen=True)
class RunningClock:
    """A clock still running in an incident, as the topic and App Home show it."""

    key: str
    label: str
    started_at: datetime
    due_at: datetime

    def left(self, now: datetime) -> str:
        return time_left(self.due_at, now)

    def overdue(self, now: datetime) -> bool:
        return now > self.due_at


# --- --aware-since ---------------------------------------------------------------------------

_MOMENT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(.*)$", re.DOTALL
)
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_UTC_WORDS = {"", "z", "utc", "gmt"}
EXAMPLE = '`--aware-since "2026-11-30 02:10"`'


def parse_moment(text: str) -> datetime:
    """`2026-11-30 02:10` (UTC), with seconds or a `T`, and optionally a zone: `Z`, `UTC`,
    `+01:00`, `-0500` or a name such as `Europe/Paris`. Returned in UTC."""
    cleaned = text.strip()
    match = _MOMENT.match(cleaned)
    if not match:
        raise InvalidInput(
            f"{EXAMPLE} takes a date and a time, in UTC unless you add an offset or a zone "
            f'(`"2026-11-30 03:10 +01:00"`, `"2026-11-30 03:10 Europe/Paris"`); '
            f"`{escape(cleaned[:60])}` is not one."
        )
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups()[:6])
    zone = _zone(match.group(7).strip())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise InvalidInput(
            f"`{escape(cleaned[:60])}` is not a real date and time; write it like {EXAMPLE}."
        ) from None
    return moment.astimezone(UTC)


def _zone(text: str) -> timezone | ZoneInfo:
    if text.lower() in _UTC_WORDS:
        return UTC
    offset = _OFFSET.match(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            raise InvalidInput(f"`{escape(text)}` is not a time zone offset (at most ±14:00).")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"`{escape(text[:40])}` is not a time zone; use an offset (`+01:00`) or a name "
            "(`Europe/Paris`), or leave it out for UTC."
        ) from None


def check_awareness(moment: datetime, now: datetime) -> datetime:
    """The moment the clock starts: not in the future, not absurdly long ago."""
    if moment > now + CLOCK_SKEW:
        raise InvalidInput(
            f"`--aware-since` is in the future ({moment:%Y-%m-%d %H:%M} UTC; it is now "
            f"{now:%Y-%m-%d %H:%M} UTC). Give the moment you became aware, or leave it out "
            "for now."
        )
    if moment < now - OLDEST_AWARENESS:
        raise InvalidInput(
            f"`--aware-since` is more than a year ago ({moment:%Y-%m-%d %H:%M} UTC); check the "
            "date."
        )
    return min(moment, now)


def check_reference(text: str, clock: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            f"Give the authority's reference: `/incident notified {clock} <reference>` "
            f"(e.g. the case number the supervisory authority gave you)."
        )
    if len(cleaned) > MAX_REFERENCE:
        raise InvalidInput(f"Keep the reference under {MAX_REFERENCE} characters.")
    return cleaned


def check_reason(text: str, clock: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(
            f"Say why the clock no longer applies: `/incident unflag {clock} <reason>` "
            "(e.g. no personal data left the system). It goes on the timeline."
        )
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    return cleaned


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockFacts:
    """One flagged clock, as the report counts it."""

    key: str
    label: str
    status: str
    due_at: datetime
    notified_at: datetime | None


@dataclass(frozen=True)
class ClockRow:
    """One kind of clock over a period: flagged, notified in time, missed, still running."""

    key: str
    label: str
    flagged: int = 0
    met: int = 0
    missed: int = 0  # notified late, or past the deadline without notice
    running: int = 0  # not notified, deadline still ahead
    unflagged: int = 0


_COUNTED = ("flagged", "met", "missed", "running", "unflagged")


def tally(facts: Iterable[ClockFacts], now: datetime) -> list[ClockRow]:
    """Per clock key, in the order first seen; unflagged clocks counted apart."""
    rows: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for fact in facts:
        counts = rows.setdefault(fact.key, dict.fromkeys(_COUNTED, 0))
        labels.setdefault(fact.key, fact.label)
        counts["flagged"] += 1
        if fact.status == UNFLAGGED:
            counts["unflagged"] += 1
            continue
        outcome = met(fact.due_at, fact.notified_at, now)
        counts["running" if outcome is None else "met" if outcome else "missed"] += 1
    return [ClockRow(key, labels[key], **counts) for key, counts in rows.items()]
