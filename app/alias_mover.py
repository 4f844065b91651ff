"""Carries out a decided rollback against the model registry (outbox op move_alias).

The alias moves only if it still points where it did when the rollback was proposed, then is
read back: a move that cannot be verified is reported, never assumed. An unreachable registry
is retried briefly (the row's lifetime is short); anything else gives up at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.integrations.registry import (
    ModelRegistry,
    ModelVersion,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)
from app.services.delivery import GiveUp, RetryLater, Work, retry_delay


class AliasMover:
    def __init__(self, registry: ModelRegistry | None) -> None:
        self.registry = registry

    async def deliver(self, work: Work) -> dict[str, Any]:
        return await asyncio.to_thread(self._move, work.payload, work.attempts)

    def _move(self, payload: dict[str, Any], attempts: int) -> dict[str, Any]:
        if self.registry is None:
            raise GiveUp("the model registry is not connected (set WARROOM_MLFLOW_URI)")
        try:
            return self._verified_move(self.registry, payload)
        except RegistryUnavailable as exc:
            raise RetryLater(retry_delay(attempts), str(exc), landed=None) from exc
        except RegistryError as exc:
            raise GiveUp(str(exc)) from exc

    def _verified_move(self, registry: ModelRegistry, p: dict[str, Any]) -> dict[str, Any]:
        name, alias = p["mlflow_name"], p["alias"]
        start, goal = int(p["from_version"]), int(p["to_version"])
        current = registry.version_by_alias(name, alias)
        if current is not None and current.version == goal:  # an earlier attempt landed
            return _result({"version": start, "run_id": None}, current)
        if current is None or current.version != start:
            now = f"v{current.version}" if current else "nothing"
            raise GiveUp(
                f"the {alias} alias moved meanwhile: it points at {now}, not v{start}; "
                "nothing was changed"
            )
        try:
            registry.version(name, goal)
        except RegistryNotFound:
            raise GiveUp(f"{name} v{goal} does not exist; nothing was changed") from None
        registry.set_alias(name, alias, goal)
        after = registry.version_by_alias(name, alias)
        if after is None or after.version != goal:
            shown = f"v{after.version}" if after else "nothing"
            raise GiveUp(f"the move did not take: {alias} reads back as {shown}, not v{goal}")
        return _result({"version": current.version, "run_id": current.run_id}, after)


def _result(before: dict[str, Any], after: ModelVersion) -> dict[str, Any]:
    return {"before": before, "after": {"version": after.version, "run_id": after.run_id}}
