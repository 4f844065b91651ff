"""Durations as operators write them: 45s, 30m, 1h, 1h30m."""

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION = timedelta(days=90)  # anything longer is a typo, and could overflow timedelta
_SHOWN = 40  # characters of a rejected text echoed back


def parse_duration(text: str, longest: timedelta = MAX_DURATION) -> timedelta:
    """Parse `1h30m`-style text; raise ValueError with a hint when it is not one, or when it
    is longer than `longest`."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned) != "":
        raise ValueError(f"{_shown(text)} is not a duration; write it like 45s, 30m, 1h or 1h30m")
    # Sum whole seconds before building a timedelta: 99999999999d would overflow it.
    limit = int(longest.total_seconds())
    seconds = 0
    for number, unit in _PART.findall(cleaned):
        too_many_digits = len(number.lstrip("0")) > len(str(limit))
        seconds += limit + 1 if too_many_digits else int(number) * _UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"{_shown(text)} must be longer than zero")
    if seconds > limit:
        raise ValueError(f"{_shown(text)} is too long; at most {format_duration(longest)}")
    return timedelta(seconds=seconds)


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…")


def format_duration(delta: timedelta) -> str:
    """The inverse of parse_duration, dropping zero parts: 5400s -> '1h30m'."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def humanize(delta: timedelta) -> str:
    """Short, reader-friendly elapsed time: '4m', '2h 5m', '3d 4h'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "<1m"
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"
