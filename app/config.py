"""Configuration: environment variables (Settings) and the YAML file (WarroomConfig).

Every YAML key has a built-in default. A bad file stops start-up with a message naming the
key and the problem (ConfigError), never a traceback.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.durations import parse_duration
from app.domain.roles import BUILTIN_ROLES, Role, RoleCatalog
from app.domain.severity import Severity, SeverityScale

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "message_templates"
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityConfig(_Strict):
    label: str
    update_every: Duration | None = None


class RoleConfig(_Strict):
    description: str
    instructions: str = ""

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or "\n" in value.strip():
            raise ValueError("must be one non-empty line")
        return value.strip()


def _default_severities() -> dict[str, SeverityConfig]:
    return {
        "sev1": SeverityConfig(label="Critical", update_every=timedelta(minutes=30)),
        "sev2": SeverityConfig(label="High", update_every=timedelta(minutes=30)),
        "sev3": SeverityConfig(label="Moderate", update_every=timedelta(hours=1)),
        "sev4": SeverityConfig(label="Low"),
    }


class WarroomConfig(_Strict):
    announcements_channel: str = "#incidents"
    severities: dict[str, SeverityConfig] = Field(default_factory=_default_severities)
    roles: dict[str, RoleConfig] = Field(default_factory=dict)
    admins: list[str] = Field(default_factory=list)

    @field_validator("severities")
    @classmethod
    def _severity_keys(cls, value: dict[str, SeverityConfig]) -> dict[str, SeverityConfig]:
        if not value:
            raise ValueError("list at least one severity, most severe first")
        for key in value:
            if not _KEY.match(key):
                raise ValueError(f"{key!r} is not a valid severity name (lowercase, e.g. sev1)")
        return value

    @field_validator("roles")
    @classmethod
    def _role_keys(cls, value: dict[str, RoleConfig]) -> dict[str, RoleConfig]:
        builtin = {r.key for r in BUILTIN_ROLES}
        for key in value:
            if not _KEY.match(key):
                raise ValueError(f"{key!r} is not a valid role name (lowercase, e.g. model-owner)")
            if key in builtin:
                raise ValueError(f"{key!r} is built in; choose another name")
        return value

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, value: list[str]) -> list[str]:
        for user in value:
            if not _USER_ID.match(user):
                raise ValueError(f"{user!r} is not a Slack user ID (like U012ABCDEF)")
        return value

    @field_validator("announcements_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name a channel (#incidents) or give its ID (C012ABCDEF)")
        return value.strip()

    def severity_scale(self) -> SeverityScale:
        return SeverityScale(
            Severity(key, sev.label, rank, sev.update_every)
            for rank, (key, sev) in enumerate(self.severities.items())
        )

    def role_catalog(self) -> RoleCatalog:
        return RoleCatalog(Role(k, r.description, r.instructions) for k, r in self.roles.items())


class Settings(BaseSettings):
    """Environment variables, as listed in the README."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    warroom_database_url: str = "sqlite:///warroom.db"
    warroom_config: Path | None = None
    warroom_templates_dir: Path | None = None

    @property
    def templates_dir(self) -> Path:
        return self.warroom_templates_dir or SHIPPED_TEMPLATES

    def config_path(self) -> Path | None:
        if self.warroom_config is not None:
            return self.warroom_config
        default = Path("warroom.yaml")
        return default if default.exists() else None


def load_config(path: Path | None) -> WarroomConfig:
    """Read and validate the YAML file; None means built-in defaults."""
    if path is None:
        return WarroomConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if raw is None:
        return WarroomConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the file must be a mapping of keys to values")
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], source: str = "configuration") -> WarroomConfig:
    try:
        return WarroomConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None


def _describe(err: Any) -> str:
    key = ".".join(str(part) for part in err["loc"]) or "(top level)"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key (check its spelling against the README)"
    return f"{key}: {message}"
