"""The model registry, as the services see it: versions, aliases, and moving an alias.

The services name this interface; the MLflow adapter implements it against a real tracking
server, and tests of the use cases use an in-memory stand-in. Every method is blocking (call
it from a worker thread, never on the event loop) and raises RegistryError subclasses only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class RegistryError(Exception):
    """The registry could not do what was asked; the message is safe to show a person."""


class RegistryUnavailable(RegistryError):
    """The server did not answer, or answered with a server error: try again later."""


class RegistryNotFound(RegistryError):
    """No such model, version or alias."""


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: int
    run_id: str | None
    created_at: datetime | None
    aliases: tuple[str, ...] = ()  # sorted
    tags: dict[str, str] = field(default_factory=dict)
    source: str = ""  # where the model's files are (s3://…, runs:/…), as registered
    status: str = "READY"  # MLflow's registration status; only READY versions can serve


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    aliases: dict[str, int]  # alias -> version it points at
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""


class ModelRegistry(Protocol):
    def model(self, name: str) -> RegisteredModel:
        """The registered model with its aliases and tags (RegistryNotFound if none)."""
        ...

    def models(self) -> list[RegisteredModel]:
        """Every registered model (all pages)."""
        ...

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of a model, lowest first."""
        ...

    def version(self, name: str, version: int) -> ModelVersion:
        """One version (RegistryNotFound if it does not exist)."""
        ...

    def version_by_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version an alias points at, or None when the alias is not set."""
        ...

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point `alias` at `version` (creating or moving it)."""
        ...
