"""Warroom's own health as the use cases report it, as it happens: the `Health` a runtime
gives them (app/health_metrics.py exports it for Prometheus)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class Health(Protocol):
    """What happened, as it happens. Every method is cheap and never raises."""

    def delivered(self, kind: str, result: str) -> None:
        """An outbox row's attempt ended: ok, retried, rate_limited or failed."""

    def update_late(self, audience: str, automatic: bool, late: timedelta) -> None:
        """An update reached its audience `late` after it was due (zero when on time)."""

    def alerts(self, source: str, outcome: str, count: int = 1) -> None:
        """Alerts from `source` led to `outcome` (declared, noted, rejected…)."""


class NoHealth:
    """Reports go nowhere (services used without a runtime: the CLI, unit tests)."""

    def delivered(self, kind: str, result: str) -> None:
        pass

    def update_late(self, audience: str, automatic: bool, late: timedelta) -> None:
        pass

    def alerts(self, source: str, outcome: str, count: int = 1) -> None:
        pass
