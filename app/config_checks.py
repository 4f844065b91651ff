"""Checks several configuration sections share."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def time_zone(value: str) -> str:
    """An IANA time zone name, or a ValueError saying how to write one."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone; write it like Europe/London") from None
    return value
