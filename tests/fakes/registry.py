"""InMemoryRegistry: the ModelRegistry the use-case tests run against.

It answers as MlflowRegistry does against a real MLflow server (tests/integration/
test_mlflow_registry.py checks the two agree): versions numbered from 1 per model, aliases
sorted, creation times to the millisecond in UTC, "latest" meaning the highest version,
MLflow's rules for alias names, RegistryNotFound for a missing model or version and None for
an alias that is not set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from app.integrations.registry import (
    ModelVersion,
    RegisteredModel,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)

_ALIAS = re.compile(r"^[\w-]+$")
_VERSION_ALIAS = re.compile(r"^v\d+$", re.IGNORECASE)


@dataclass
class _Model:
    name: str
    description: str
    tags: dict[str, str]
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)


class InMemoryRegistry:
    """Seed with add_model/add_version (and set_alias); fail_next() makes the next calls
    raise RegistryUnavailable; `calls` lists every protocol call made, in order."""

    def __init__(self) -> None:
        self._models: dict[str, _Model] = {}
        self._failures: list[RegistryError] = []
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    # Seeding

    def add_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> None:
        if name in self._models:
            raise RegistryError(f"Registered Model (name={name}) already exists.")
        self._models[name] = _Model(name, description, dict(tags or {}))

    def add_version(
        self,
        name: str,
        *,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        source: str | None = None,
        created_at: datetime | None = None,
        status: str = "READY",
    ) -> int:
        model = self._existing(name)
        number = max(model.versions, default=0) + 1
        model.versions[number] = ModelVersion(
            name=name,
            version=number,
            run_id=run_id or None,
            created_at=_to_millisecond(created_at or datetime.now(UTC)),
            tags=dict(tags or {}),
            source=source or f"s3://warroom-tests/{name}/model",
            status=status,
        )
        return number

    def fail_next(self, times: int = 1, error: RegistryError | None = None) -> None:
        """The next `times` protocol calls raise `error` (RegistryUnavailable by default)."""
        failure = error or RegistryUnavailable("MLflow at http://registry.test did not answer.")
        self._failures.extend([failure] * times)

    def recover(self) -> None:
        """Failures still queued by fail_next() are dropped: the registry answers again."""
        self._failures.clear()

    # The ModelRegistry protocol

    def model(self, name: str) -> RegisteredModel:
        self._called("model", name)
        return self._registered(self._existing(name))

    def models(self) -> list[RegisteredModel]:
        self._called("models")
        return [self._registered(self._models[name]) for name in sorted(self._models)]

    def versions(self, name: str) -> list[ModelVersion]:
        self._called("versions", name)
        model = self._existing(name)
        return [self._with_aliases(model, number) for number in sorted(model.versions)]

    def version(self, name: str, version: int) -> ModelVersion:
        self._called("version", name, version)
        model = self._existing_version(name, version)
        return self._with_aliases(model, version)

    def version_by_alias(self, name: str, alias: str) -> ModelVersion | None:
        self._called("version_by_alias", name, alias)
        model = self._existing(name)
        if alias.lower() == "latest":  # MLflow resolves this one itself
            number = max(model.versions, default=None)
        else:
            number = model.aliases.get(alias)
        return None if number is None else self._with_aliases(model, number)

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self._called("set_alias", name, alias, version)
        _check_alias(alias)
        self._existing_version(name, version).aliases[alias] = version

    # Inside

    def _called(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if self._failures:
            raise self._failures.pop(0)

    def _existing(self, name: str) -> _Model:
        model = self._models.get(name)
        if model is None:
            raise RegistryNotFound(f"Registered Model with name={name} not found")
        return model

    def _existing_version(self, name: str, version: int) -> _Model:
        model = self._models.get(name)
        if model is None or version not in model.versions:
            raise RegistryNotFound(f"Model Version (name={name}, version={version}) not found")
        return model

    @staticmethod
    def _registered(model: _Model) -> RegisteredModel:
        return RegisteredModel(
            name=model.name,
            aliases=dict(sorted(model.aliases.items())),
            tags=dict(model.tags),
            description=model.description,
        )

    @staticmethod
    def _with_aliases(model: _Model, number: int) -> ModelVersion:
        held = tuple(sorted(a for a, v in model.aliases.items() if v == number))
        stored = model.versions[number]
        return replace(stored, aliases=held, tags=dict(stored.tags))


def _check_alias(alias: str) -> None:
    """MLflow's rules for an alias name, with its wording."""
    if not alias:
        problem = "Missing value for required parameter 'alias'."
    elif len(alias) > 255:
        problem = "'Registered model alias name' exceeds the maximum length of 255 characters"
    elif alias.lower() == "latest":
        problem = "'latest' alias name (case insensitive) is reserved."
    elif _VERSION_ALIAS.match(alias):
        problem = f"Version alias name '{alias}' is reserved."
    elif not _ALIAS.match(alias):
        problem = (
            f"Invalid alias name: '{alias}'. Names may only contain alphanumerics, "
            "underscores (_), and dashes (-)."
        )
    else:
        return
    raise RegistryError(f"MLflow refused the request: {problem}")


def _to_millisecond(moment: datetime) -> datetime:
    """MLflow keeps epoch milliseconds: what comes back is cut to the millisecond, in UTC."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
