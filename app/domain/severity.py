"""Severities, most severe first, as configured by the organisation."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from app.domain.errors import InvalidInput
from app.domain.text import escape


@dataclass(frozen=True)
class Severity:
    key: str
    label: str
    rank: int  # 0 is the most severe
    update_every: timedelta | None = None
    decision_due: timedelta = timedelta(hours=1)
    remind_every: timedelta = timedelta(minutes=30)

    @property
    def display(self) -> str:
        return f"{self.key.upper()} ({self.label})"


class SeverityScale:
    """The ordered list of severities; lookups and comparisons go through here."""

    def __init__(self, severities: Iterable[Severity]) -> None:
        self._by_key = {s.key: s for s in sorted(severities, key=lambda s: s.rank)}
        if not self._by_key:
            raise ValueError("at least one severity is required")

    @property
    def keys(self) -> list[str]:
        return list(self._by_key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())

    def get(self, key: str) -> Severity:
        try:
            return self._by_key[key.strip().lower()]
        except KeyError:
            raise InvalidInput(
                f"`{escape(key)}` is not a severity. Use one of: {', '.join(self.keys)} "
                f"({self.keys[0]} is the most severe)."
            ) from None

    def describe(self, key: str) -> Severity:
        """Like get, but a severity no longer configured (stored before a config change) is
        shown as itself, least severe, rather than breaking every message about the incident."""
        return self._by_key.get(key) or Severity(key, key.upper(), len(self._by_key))

    def is_known(self, key: str) -> bool:
        return key.strip().lower() in self._by_key

    def at_least(self, key: str, threshold: str) -> bool:
        """True when `key` is as severe as `threshold` or more."""
        return self.get(key).rank <= self.get(threshold).rank
