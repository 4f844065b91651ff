"""The `alerts:` YAML section: where proposals go, which label names a catalog system, how
close together sibling alerts join one incident, and the rules deciding what an alert leads
to. Checks that need the severities are made by WarroomConfig, those that need the playbooks
where the playbooks are read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from app.domain.alert_rules import RuleBook, compile_pattern
from app.domain.alerts import ACTIONS, Rule
from app.domain.durations import parse_duration

Action = Literal["declare", "propose", "note", "ignore"]
assert set(Action.__args__) == set(ACTIONS)  # type: ignore[attr-defined]
PREFERRED_DEFAULT_SEVERITY = "sev3"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _labels(value: Any) -> Any:
    """Label names and values are strings in every monitoring tool: a YAML number or boolean
    here would never match, so it is refused with the fix rather than coerced."""
    if not isinstance(value, dict):
        return value
    for key, given in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{key!r} is not a label name")
        if isinstance(given, bool | int | float):
            shown = json.dumps(given)  # as YAML spells it: true, not True
            raise ValueError(f'{key}: {shown} is not text; quote it: "{shown}"')
        if not isinstance(given, str):
            raise ValueError(f"{key}: give the value as text")
        if not given:
            raise ValueError(f"{key}: give a value to match (an empty one matches nothing)")
    return value


def _patterns(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        try:
            compile_pattern(text)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return value


Labels = Annotated[dict[str, str], BeforeValidator(_labels)]


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


class DefaultRuleConfig(_Strict):
    """What an alert no rule matches leads to."""

    action: Action = "propose"
    severity: str | None = None
    playbook: str | None = None


class RuleConfig(DefaultRuleConfig):
    action: Action  # required: a rule that does not say what it does is a mistake
    match: Labels = Field(default_factory=dict)
    match_re: Annotated[Labels, AfterValidator(_patterns)] = Field(default_factory=dict)


class AlertsConfig(_Strict):
    triage_channel: str | None = None  # None: the announcements channel
    system_label: str = "model"
    storm_window: Annotated[timedelta, BeforeValidator(_duration)] = timedelta(minutes=15)
    rules: list[RuleConfig] = Field(default_factory=list)
    default: DefaultRuleConfig | None = None  # None: propose, at a moderate severity
    # /alerts/events also takes the token as the body's routing_key (tools that can only be
    # given a PagerDuty integration key, not a header). Off: only the Authorization header.
    events_routing_key: bool = False

    @field_validator("triage_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("name a channel (#ml-alerts) or give its ID, or leave it out")
        return value.strip() if value is not None else None

    @field_validator("system_label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name the label that says which catalog system alarmed (model)")
        return value.strip()

    def default_rule(self, severities: list[str]) -> Rule:
        """The given default, else propose at sev3 (or the least severe when there is none)."""
        if self.default is not None:
            return _rule(self.default)
        fallback = PREFERRED_DEFAULT_SEVERITY
        severity = fallback if fallback in severities else severities[-1]
        return Rule(action="propose", severity=severity)

    def rule_book(self, severities: list[str]) -> RuleBook:
        return RuleBook([_rule(r) for r in self.rules], self.default_rule(severities))

    def severity_problems(self, severities: list[str]) -> list[str]:
        """Severities that are not configured, and declare rules left without one."""
        default = self.default_rule(severities)
        named = self._named()
        problems = [
            f"{where}.severity: {r.severity!r} is not one of the severities "
            f"({', '.join(severities)})"
            for where, r in named
            if r.severity is not None and r.severity not in severities
        ]
        problems += [
            f"{where}.severity: declaring needs a severity (its own, or alerts.default's)"
            for where, r in named
            if r.action == "declare" and r.severity is None and default.severity is None
        ]
        return problems

    def playbook_problems(self, playbooks: Iterable[str]) -> list[str]:
        """A rule's `playbook:` must name a playbook that exists."""
        known = sorted(playbooks)
        return [
            f"{where}.playbook: {r.playbook!r} is not a playbook "
            f"(playbooks: {', '.join(known) or 'none'})"
            for where, r in self._named()
            if r.playbook and r.playbook not in known
        ]

    def _named(self) -> list[tuple[str, DefaultRuleConfig]]:
        """Each rule, and the default when given, with the key naming it in messages."""
        named: list[tuple[str, DefaultRuleConfig]] = [
            (f"alerts.rules.{i}", r) for i, r in enumerate(self.rules)
        ]
        return named + ([("alerts.default", self.default)] if self.default else [])


def _rule(config: DefaultRuleConfig) -> Rule:
    if isinstance(config, RuleConfig):
        return Rule(
            config.action,
            config.severity,
            config.playbook,
            dict(config.match),
            dict(config.match_re),
        )
    return Rule(config.action, config.severity, config.playbook)
