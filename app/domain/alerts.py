"""Alerts from monitoring, as the services see them, whatever tool sent them.

Prometheus Alertmanager, Grafana alerting and anything speaking PagerDuty's Events API v2 each
post their own shape; the web routes turn each into Alert values. What an alert leads to
(declare, propose, note, ignore) is decided by the organisation's rules, first match wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SOURCES = ("alertmanager", "grafana", "events")
ACTIONS = ("declare", "propose", "note", "ignore")
FIRING, RESOLVED, ACKNOWLEDGED = "firing", "resolved", "acknowledged"


@dataclass(frozen=True)
class Alert:
    source: str  # alertmanager | grafana | events
    key: str  # what repeats of it share: the fingerprint, or the events API's dedup_key
    status: str  # firing | resolved | acknowledged (events only)
    labels: dict[str, str]  # what rules match on (the group's common labels underneath)
    title: str  # summary, else alertname on the system
    description: str = ""
    system: str | None = None  # the catalog system it names (the `system_label`), if any
    started_at: datetime | None = None
    ended_at: datetime | None = None
    value: str = ""  # the measured value, when the tool says it ("precision 0.71")
    links: tuple[tuple[str, str], ...] = ()  # (label, URL): generator, dashboard, panel, runbook
    group_key: str | None = None  # Alertmanager's groupKey: alerts notified together


class AlertsNotTaken(Exception):
    """The intake could not take these alerts now (the database is down, say): the webhook
    answers 503 so that the sender tries again later."""


@dataclass(frozen=True)
class Rule:
    """One rule: labels equal (`match`) and labels matching regular expressions (`match_re`)."""

    action: str  # declare | propose | note | ignore
    severity: str | None = None
    playbook: str | None = None
    match: dict[str, str] = field(default_factory=dict)
    match_re: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decided:
    """What the rules decided for one alert."""

    action: str
    severity: str | None
    playbook: str | None
    rule: int | None  # the index of the rule that matched; None: the default
