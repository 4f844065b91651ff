"""Configuration: environment variables (Settings) and the YAML file (WarroomConfig).

Every YAML key has a built-in default. A bad file stops start-up with a message naming the
key and the problem (ConfigError), never a traceback.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.alerts_config import AlertsConfig
from app.catalog_config import (
    BusinessFunctionConfig,
    SystemConfig,
    build_catalog,
    catalog_problems,
    merge_catalog_file,
)
from app.config_checks import time_zone
from app.config_merge import over_defaults
from app.domain.action_items import default_due
from app.domain.alert_rules import RuleBook
from app.domain.audiences import INCIDENT_CHANNEL, Audience, AudienceList, EmailRoute
from app.domain.catalog import Catalog
from app.domain.durations import parse_duration
from app.domain.email_addresses import parse_address
from app.domain.permissions import Publishers
from app.domain.regulatory_clocks import ClockCatalog
from app.domain.roles import BUILTIN_ROLES, CORE_ROLES, Role, RoleCatalog
from app.domain.severity import Severity, SeverityScale
from app.postmortem_config import PostmortemConfig
from app.regulatory_clocks_config import ClockConfig, clock_catalog, clock_problems, merge_clocks
from app.status_page_config import StatusPageConfig


def _shipped(folder: str) -> Path:
    """A folder shipped with the app: inside the package when installed from a wheel
    (pyproject.toml maps it to app/shipped/), else at the top of the source tree."""
    package = Path(__file__).resolve().parent
    installed = package / "shipped" / folder
    return installed if installed.is_dir() else package.parent / folder


SHIPPED_TEMPLATES = _shipped("message_templates")
SHIPPED_PLAYBOOKS = _shipped("playbooks")  # and the glossary (glossary.yaml)
SHIPPED_DRILLS = _shipped("drills")

_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


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
    decision_due: Duration = timedelta(hours=1)  # a decision's default deadline
    remind_every: Duration = timedelta(minutes=30)  # reminders until it is made


class DigestConfig(_Strict):
    """The daily digest to the executive audience; `digest: null` turns it off."""

    at: str = "08:00"
    timezone: str = "UTC"

    @field_validator("at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f"{value!r} is not a time of day; write it like 08:00")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone(value)

    def local_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes), tzinfo=ZoneInfo(self.timezone))


class RetentionConfig(_Strict):
    """How long operational records are kept; incidents, the timeline, decisions and updates
    (what an audit needs) are never pruned."""

    outbox: Duration = timedelta(days=30)  # delivered, dead and superseded Slack work
    processed_events: Duration = timedelta(days=7)  # event IDs remembered against retries
    drafts: Duration = timedelta(days=7)  # update forms, published or abandoned
    home_viewers: Duration = timedelta(days=30)  # who opened the Home tab lately
    faults: Duration = timedelta(days=30)  # faults nobody cleared (their incident ended)


class ActionItemsConfig(_Strict):
    """Action items' default due time by severity (`action_items: {due: {sev1: 7d}}`); a
    severity left out gets the built-in time for its rank (7d, 14d, 30d, then 60d)."""

    due: dict[str, Duration] = Field(default_factory=dict)


MAX_RECIPIENTS = 50  # a mail server takes about 100 per message; lists belong in a list address


def _address(value: str) -> str:
    parse_address(value)
    return value.strip()


class EmailConfig(_Strict):
    """`email: {to: [...], from: "...", reply_to: "..."}`: the audience's updates by email."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    to: list[str]
    from_: str = Field(alias="from")
    reply_to: str | None = None

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one address to send to")
        if len(value) > MAX_RECIPIENTS:
            raise ValueError(
                f"at most {MAX_RECIPIENTS} addresses; send to a mailing list address instead"
            )
        addresses = [_address(v) for v in value]
        if len({a.lower() for a in addresses}) != len(addresses):
            raise ValueError("an address is listed twice")
        return addresses

    @field_validator("from_", "reply_to")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        return None if value is None else _address(value)

    def route(self) -> EmailRoute:
        return EmailRoute(tuple(self.to), self.from_, self.reply_to)


class AudienceConfig(_Strict):
    # None (`channel: null`, or left out of an audience you add): by email only.
    channel: str | None = None
    email: EmailConfig | None = None
    min_severity: str | None = None
    requires_approval: bool = False
    automatic: bool = True
    feedback: bool = False  # its updates ask "Was this useful?"

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("say where: `incident` (the incident channel), #name or an ID")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _somewhere(self) -> AudienceConfig:
        if self.channel is None and self.email is None:
            raise ValueError(
                "say where it goes: a `channel` (incident, #name or an ID), an `email` "
                "block, or both"
            )
        return self


DEFAULT_AUDIENCES: dict[str, dict[str, Any]] = {
    "technical": {"channel": "incident"},
    "business": {"channel": "#biz-updates", "min_severity": "sev2", "feedback": True},
    "executive": {"channel": "#exec-updates", "min_severity": "sev1", "feedback": True},
    "customer": {
        "channel": "#customer-comms",
        "min_severity": "sev1",
        "requires_approval": True,
        "automatic": False,
    },
    # Regulators hear about serious incidents only: every lesser one would remind comms hourly
    # of an update nobody means to send.
    "regulator": {
        "channel": "#regulatory",
        "min_severity": "sev1",
        "requires_approval": True,
        "automatic": False,
    },
}


def _merge_audiences(value: Any) -> Any:
    return over_defaults(value, DEFAULT_AUDIENCES)


class RoleConfig(_Strict):
    description: str
    instructions: str = ""

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or "\n" in value.strip():
            raise ValueError("must be one non-empty line")
        return value.strip()


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def _default_severities() -> dict[str, SeverityConfig]:
    return {
        "sev1": SeverityConfig(
            label="Critical",
            update_every=_minutes(30),
            decision_due=_minutes(15),
            remind_every=_minutes(10),
        ),
        "sev2": SeverityConfig(
            label="High",
            update_every=_minutes(30),
            decision_due=_minutes(30),
            remind_every=_minutes(15),
        ),
        "sev3": SeverityConfig(
            label="Moderate",
            update_every=_minutes(60),
            decision_due=_minutes(60),
            remind_every=_minutes(30),
        ),
        "sev4": SeverityConfig(label="Low", decision_due=_minutes(240), remind_every=_minutes(60)),
    }


class WarroomConfig(_Strict):
    announcements_channel: str = "#incidents"
    severities: dict[str, SeverityConfig] = Field(default_factory=_default_severities)
    roles: dict[str, RoleConfig] = Field(default_factory=dict)
    admins: list[str] = Field(default_factory=list)
    # Who may speak for the company (hold comms, publish beyond the incident channel): user
    # IDs and user group IDs (S…, e.g. the communications team). Empty: the commander decides.
    publishers: list[str] = Field(default_factory=list)
    digest: DigestConfig | None = Field(default_factory=DigestConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    # The systems incidents happen to, and the business functions they serve (or a file).
    catalog: dict[str, SystemConfig] = Field(default_factory=dict)
    business_functions: dict[str, BusinessFunctionConfig] = Field(default_factory=dict)
    catalog_file: str | None = None  # merged in by load_config, relative to the file
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)  # what monitoring's alerts do
    action_items: ActionItemsConfig = Field(default_factory=ActionItemsConfig)
    postmortem: PostmortemConfig = Field(default_factory=PostmortemConfig)  # due, exemptions
    # An update still counts as on schedule when it went out this long after it was due.
    updates_grace: Duration = timedelta(minutes=5)
    # The public status page (GET /status); `status_page: null` turns it off.
    status_page: StatusPageConfig | None = Field(default_factory=StatusPageConfig)
    # Validated even when absent, so the defaults go through the same merge and checks.
    audiences: Annotated[dict[str, AudienceConfig], BeforeValidator(_merge_audiences)] = Field(
        default_factory=dict, validate_default=True
    )
    # The clocks `/incident flag` starts: the built-in ones (GDPR, EU AI Act) and your own.
    regulatory_clocks: Annotated[dict[str, ClockConfig], BeforeValidator(merge_clocks)] = Field(
        default_factory=dict, validate_default=True
    )

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
        for key in value:
            if not _KEY.match(key):
                raise ValueError(f"{key!r} is not a valid role name (lowercase, e.g. model-owner)")
            if key in CORE_ROLES:
                raise ValueError(f"{key!r} is built in; choose another name")
        return value

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, value: list[str]) -> list[str]:
        for user in value:
            if not _USER_ID.match(user):
                raise ValueError(f"{user!r} is not a Slack user ID (like U012ABCDEF)")
        return value

    @field_validator("publishers")
    @classmethod
    def _publisher_ids(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not (_USER_ID.match(entry) or _GROUP_ID.match(entry)):
                raise ValueError(
                    f"{entry!r} is not a Slack user ID (like U012ABCDEF) or user group ID "
                    "(like S012ABCDEF)"
                )
        return value

    @field_validator("announcements_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name a channel (#incidents) or give its ID (C012ABCDEF)")
        return value.strip()

    @field_validator("audiences")
    @classmethod
    def _audience_keys(cls, value: dict[str, AudienceConfig]) -> dict[str, AudienceConfig]:
        for key in value:
            if not _KEY.match(key):
                raise ValueError(f"{key!r} is not a valid audience name (lowercase, e.g. partners)")
        if not any(a.channel == INCIDENT_CHANNEL for a in value.values()):
            raise ValueError("keep one audience in the incident channel (channel: incident)")
        return value

    @model_validator(mode="after")
    def _audience_severities(self) -> WarroomConfig:
        names = list(self.severities)
        for key, audience in list(self.audiences.items()):
            wanted = audience.min_severity
            ranked = re.fullmatch(r"sev(\d)", wanted or "")
            if wanted not in self.severities and ranked and "sev1" not in self.severities:
                # Severities were renamed (p1, p2…): "sev2" still means the second most severe.
                nth = names[min(int(ranked.group(1)), len(names)) - 1]
                self.audiences[key] = audience.model_copy(update={"min_severity": nth})
                continue
            if wanted is not None and wanted not in self.severities:
                raise ValueError(
                    f"audiences.{key}.min_severity: {audience.min_severity!r} is not one of the "
                    f"severities ({', '.join(self.severities)})"
                )
        return self

    @model_validator(mode="after")
    def _action_item_severities(self) -> WarroomConfig:
        names = ", ".join(self.severities)
        for key in self.action_items.due:
            if key not in self.severities:
                raise ValueError(f"action_items.due.{key}: not one of the severities ({names})")
        return self

    def action_item_due(self, severity: str) -> timedelta:
        """How long an action item of an incident of this severity has, unless told."""
        rank = list(self.severities).index(severity) if severity in self.severities else 0
        return default_due(rank, self.action_items.due.get(severity))

    @model_validator(mode="after")
    def _catalog_consistent(self) -> WarroomConfig:
        roles = {r.key for r in BUILTIN_ROLES} | set(self.roles)
        problems = catalog_problems(self.catalog, self.business_functions, roles)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _alert_severities(self) -> WarroomConfig:
        problems = self.alerts.severity_problems(list(self.severities))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _postmortem_exemptions(self) -> WarroomConfig:
        problems = self.postmortem.severity_problems(list(self.severities))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _clock_roles(self) -> WarroomConfig:
        roles = {r.key for r in BUILTIN_ROLES} | set(self.roles)
        problems = clock_problems(self.regulatory_clocks, roles)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def clock_catalog(self) -> ClockCatalog:
        return clock_catalog(self.regulatory_clocks)

    @model_validator(mode="after")
    def _status_page_audience(self) -> WarroomConfig:
        """An audience named under status_page must be one whose words may be public. Left at
        its default (customer), a configuration without such an audience just has a page
        with nothing published on it."""
        page = self.status_page
        if page is None or "audience" not in page.model_fields_set:
            return self
        audience = self.audiences.get(page.audience)
        if audience is None:
            names = ", ".join(self.audiences)
            raise ValueError(
                f"status_page.audience: {page.audience!r} is not an audience ({names})"
            )
        if audience.channel == INCIDENT_CHANNEL:
            raise ValueError(
                f"status_page.audience: {page.audience!r} is heard in the incident channel, "
                "where responders talk; name the audience your customers hear"
            )
        return self

    def status_page_audience(self) -> str | None:
        """The audience whose published words the status page shows; None: no page, or no
        such audience (the page then shows only its components)."""
        page = self.status_page
        audience = self.audiences.get(page.audience) if page else None
        if page is None or audience is None or audience.channel == INCIDENT_CHANNEL:
            return None
        return page.audience

    def alert_rules(self) -> RuleBook:
        """The alert rules, regular expressions compiled: build once, ask for every alert."""
        return self.alerts.rule_book(list(self.severities))

    def catalog_model(self) -> Catalog:
        return build_catalog(self.catalog, self.business_functions)

    def audience_list(self) -> AudienceList:
        return AudienceList(
            Audience(
                key,
                a.channel,
                a.min_severity,
                a.requires_approval,
                a.automatic,
                a.feedback,
                a.email.route() if a.email else None,
            )
            for key, a in self.audiences.items()
        )

    def emailed_audiences(self) -> list[str]:
        """The audiences delivered by email (they need WARROOM_SMTP_URL)."""
        return [key for key, a in self.audiences.items() if a.email is not None]

    def severity_scale(self) -> SeverityScale:
        return SeverityScale(
            Severity(key, sev.label, rank, sev.update_every, sev.decision_due, sev.remind_every)
            for rank, (key, sev) in enumerate(self.severities.items())
        )

    def publisher_list(self) -> Publishers:
        return Publishers(
            frozenset(p for p in self.publishers if not p.startswith("S")),
            frozenset(p for p in self.publishers if p.startswith("S")),
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
    warroom_playbooks_dir: Path | None = None  # playbooks and the glossary
    warroom_drills_dir: Path | None = None  # drill scenarios
    warroom_mlflow_uri: str = ""  # the MLflow tracking server; unset: registry features off
    # Hosts a response_url may point at (comma-separated): replies are only ever posted to
    # Slack's own, since a form's private_metadata could name any URL.
    warroom_response_url_hosts: str = "hooks.slack.com"
    warroom_alerts_token: str = ""  # bearer token of the alert webhooks; unset: routes answer 404
    warroom_metrics_token: str = ""  # bearer token GET /metrics asks for; unset: it is open
    # smtp://user:pass@host:587?starttls=true or smtps://…; unset: no email (and an audience
    # with `email` stops start-up). Holds a password: never logged, never shown.
    warroom_smtp_url: str = Field(default="", repr=False)

    @property
    def response_url_hosts(self) -> frozenset[str]:
        hosts = self.warroom_response_url_hosts.split(",")
        return frozenset(h.strip().lower() for h in hosts if h.strip())

    @property
    def templates_dir(self) -> Path:
        return self.warroom_templates_dir or SHIPPED_TEMPLATES

    @property
    def playbooks_dir(self) -> Path:
        return self.warroom_playbooks_dir or SHIPPED_PLAYBOOKS

    @property
    def drills_dir(self) -> Path:
        return self.warroom_drills_dir or SHIPPED_DRILLS

    def config_path(self) -> Path | None:
        if self.warroom_config is not None:
            return self.warroom_config
        default = Path("warroom.yaml")
        return default if default.exists() else None


def load_config(path: Path | None) -> WarroomConfig:
    """Read and validate the YAML file; None means built-in defaults."""
    raw, source = read_raw_config(path)
    return parse_config(raw, source=source) if raw else WarroomConfig()


def read_raw_config(path: Path | None) -> tuple[dict[str, Any], str]:
    """The file's keys, with the catalog file merged in, and how to name the source."""
    if path is None:
        return {}, "built-in defaults"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if raw is None:
        return {}, str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the file must be a mapping of keys to values")
    try:
        return merge_catalog_file(raw, path), str(path)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(raw: dict[str, Any], source: str = "configuration") -> WarroomConfig:
    try:
        return WarroomConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None


def _describe(err: Any) -> str:
    key = ".".join(str(part) for part in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key (check its spelling against the README)"
    return f"{key}: {message}" if key else message
