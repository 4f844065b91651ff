"""What monitoring tools post, turned into Alert values. Pure: bytes in, alerts out.

Three shapes:
- Prometheus Alertmanager's webhook (`version: "4"`);
- Grafana alerting's webhook contact point (the same shape, `version: "1"`, plus `title`,
  `state`, `message`, and per alert `values`/`valueString`, `dashboardURL`, `panelURL`,
  `silenceURL`);
- PagerDuty's Events API v2 (one event per body), which many ML monitoring tools can send.

Anything that cannot be used raises BadPayload with a one-line reason for the sender. Text is
cut to a length Slack can show; a URL too long to cut (or not http/https) is dropped.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from app.domain.alerts import ACKNOWLEDGED, FIRING, RESOLVED, Alert

MAX_ALERTS = 1000  # per body; Alertmanager's own default max_alerts is 0 (all), this is plenty
MAX_LABELS = 100  # per alert
MAX_KEY = 255  # PagerDuty's limit on dedup_key; fingerprints are 16 hex digits
MAX_TITLE = 250
MAX_LABEL = 500  # a label's name or value
MAX_TEXT = 3000  # description
MAX_URL = 2000
MAX_LINKS = 10
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)  # Go's zero time: Alertmanager's "no endsAt"
EVENT_ACTIONS = {"trigger": FIRING, "acknowledge": ACKNOWLEDGED, "resolve": RESOLVED}
EVENT_SEVERITIES = ("critical", "error", "warning", "info")
EVENT_LABELS = ("severity", "source", "component", "group", "class")


class BadPayload(ValueError):
    """A body that is not what the endpoint takes; `reason` is one line for the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Alertmanager and Grafana ------------------------------------------------------------------


def alertmanager_alerts(body: bytes, system_label: str = "model") -> list[Alert]:
    message = _object(body)
    if message.get("version") != "4":
        raise BadPayload('not an Alertmanager webhook: "version" must be "4"')
    return _group_alerts(message, "alertmanager", system_label)


def grafana_alerts(body: bytes, system_label: str = "model") -> list[Alert]:
    # Grafana's webhook says `version: "1"`; its shape is Alertmanager's, with additions.
    return _group_alerts(_object(body), "grafana", system_label)


def _group_alerts(message: dict[str, Any], source: str, system_label: str) -> list[Alert]:
    items = message.get("alerts")
    if not isinstance(items, list):
        raise BadPayload('"alerts" must be a list')
    if len(items) > MAX_ALERTS:
        raise BadPayload(f"more than {MAX_ALERTS} alerts in one body")
    common = _labels(message.get("commonLabels"), '"commonLabels"')
    group_key = _optional_text(message, "groupKey", MAX_KEY * 4)
    return [
        _group_alert(item, n, common, group_key, source, system_label)
        for n, item in enumerate(items)
    ]


def _group_alert(
    item: Any,
    n: int,
    common: dict[str, str],
    group_key: str | None,
    source: str,
    system_label: str,
) -> Alert:
    where = f"alerts[{n}]"
    if not isinstance(item, dict):
        raise BadPayload(f"{where} must be an object")
    labels = {**common, **_labels(item.get("labels"), f"{where}.labels")}
    if len(labels) > MAX_LABELS:
        raise BadPayload(f"{where} has more than {MAX_LABELS} labels")
    notes = _labels(item.get("annotations"), f"{where}.annotations")
    status = item.get("status")
    if status not in (FIRING, RESOLVED):
        raise BadPayload(f'{where}.status must be "firing" or "resolved"')
    system = labels.get(system_label) or None
    return Alert(
        source=source,
        key=_fingerprint(item, labels, where),
        status=status,
        labels=labels,
        title=_title(notes, labels, system),
        description=_cut(notes.get("description", ""), MAX_TEXT),
        system=system,
        started_at=_time(item.get("startsAt"), f"{where}.startsAt"),
        ended_at=_time(item.get("endsAt"), f"{where}.endsAt"),
        value=_cut(notes.get("value") or _grafana_value(item, where), MAX_LABEL),
        links=_group_links(item, notes, where),
        group_key=group_key,
    )


def _title(notes: dict[str, str], labels: dict[str, str], system: str | None) -> str:
    if notes.get("summary"):
        return _cut(notes["summary"], MAX_TITLE)
    name = labels.get("alertname") or "Alert"
    return _cut(f"{name} on {system}" if system else name, MAX_TITLE)


def _fingerprint(item: dict[str, Any], labels: dict[str, str], where: str) -> str:
    """Alertmanager's fingerprint; without one, a stable hash of the labels, so that repeats
    of the same alert still share a key."""
    given = item.get("fingerprint")
    if given is not None and not isinstance(given, str):
        raise BadPayload(f"{where}.fingerprint must be a string")
    if given:
        if len(given) > MAX_KEY:
            raise BadPayload(f"{where}.fingerprint is longer than {MAX_KEY} characters")
        return given
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _grafana_value(item: dict[str, Any], where: str) -> str:
    """Grafana's `values` ({"B": 44.2, "C": 1}: each query or expression's value), else its
    older `valueString` ("[ metric='' labels={} value=14151.33 ]")."""
    values = item.get("values")
    if isinstance(values, dict) and values:
        parts = [f"{name}={_number(v)}" for name, v in values.items()]
        return ", ".join(parts)
    if values is not None and not isinstance(values, dict):
        raise BadPayload(f"{where}.values must be an object")
    text = item.get("valueString")
    return text if isinstance(text, str) else ""


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:g}"


GROUP_LINKS = (  # (where it is, its label); annotations first, then the alert's own fields
    ("runbook_url", "runbook"),
    ("dashboard_url", "dashboard"),
)
GRAFANA_LINKS = (
    ("generatorURL", "source"),
    ("dashboardURL", "dashboard"),
    ("panelURL", "panel"),
    ("silenceURL", "silence"),
)


def _group_links(
    item: dict[str, Any], notes: dict[str, str], where: str
) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for field, label in GRAFANA_LINKS:  # Alertmanager sends only generatorURL of these
        url = item.get(field)
        if url is not None and not isinstance(url, str):
            raise BadPayload(f"{where}.{field} must be a string")
        found.append((label, url or ""))
    found += [(label, notes.get(name, "")) for name, label in GROUP_LINKS]
    return _links(found)


# --- PagerDuty Events API v2 -------------------------------------------------------------------


def event_alert(
    body: bytes,
    system_label: str = "model",
    new_key: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> Alert:
    """One event. A trigger without a dedup_key gets a new one, as PagerDuty gives it."""
    event = _object(body)
    action = event.get("event_action")
    if action not in EVENT_ACTIONS:
        raise BadPayload('"event_action" must be "trigger", "acknowledge" or "resolve"')
    key = _optional_text(event, "dedup_key", MAX_KEY, cut=False)
    if not key and action != "trigger":
        raise BadPayload(f'"dedup_key" is required to {action}')
    _optional_text(event, "routing_key", MAX_KEY, cut=False)  # authenticated by the bearer token
    payload = event.get("payload")
    if action == "trigger" or payload is not None:
        if not isinstance(payload, dict):
            raise BadPayload('"payload" must be an object')
    else:
        payload = {}
    summary = _event_summary(payload, required=action == "trigger")
    labels = _event_labels(payload)
    return Alert(
        source="events",
        key=key or new_key(),
        status=EVENT_ACTIONS[action],
        labels=labels,
        title=_cut(summary, MAX_TITLE),
        description=_cut(summary, MAX_TEXT) if len(summary) > MAX_TITLE else "",
        system=labels.get(system_label) or None,
        started_at=_time(payload.get("timestamp"), "payload.timestamp"),
        links=_event_links(event),
    )


def _event_summary(payload: dict[str, Any], *, required: bool) -> str:
    summary = _optional_text(payload, "summary", 1024, where="payload.summary")
    severity = payload.get("severity")
    if required and not summary:
        raise BadPayload('"payload.summary" is required to trigger')
    if (required or severity is not None) and severity not in EVENT_SEVERITIES:
        raise BadPayload('"payload.severity" must be one of ' + ", ".join(EVENT_SEVERITIES))
    return summary or ""


def _event_labels(payload: dict[str, Any]) -> dict[str, str]:
    """What rules match on: custom_details' string values, then the payload's own fields."""
    details = payload.get("custom_details")
    labels: dict[str, str] = {}
    if isinstance(details, dict):
        strings = [(k, v) for k, v in details.items() if isinstance(v, str)]
        labels = {_cut(k, MAX_LABEL): _cut(v, MAX_LABEL) for k, v in strings[:MAX_LABELS]}
    for name in EVENT_LABELS:
        value = _optional_text(payload, name, MAX_LABEL, where=f"payload.{name}")
        if value:
            labels[name] = value
    return labels


def _event_links(event: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    links = event.get("links")
    if links is None:
        links = []
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        raise BadPayload('"links" must be a list of objects with "href" and "text"')
    found = [(str(link.get("text") or "link"), link.get("href")) for link in links]
    client_url = event.get("client_url")
    if isinstance(client_url, str):
        found.append((str(event.get("client") or "source"), client_url))
    return _links(found)


# --- shared ------------------------------------------------------------------------------------


def _object(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadPayload("body is not UTF-8") from None
    except (ValueError, RecursionError):
        raise BadPayload("body is not JSON") from None
    if not isinstance(message, dict):
        raise BadPayload("body is not a JSON object")
    return message


def _labels(value: Any, where: str) -> dict[str, str]:
    """A map of strings to strings (labels, annotations); absent is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadPayload(f"{where} must be an object of strings")
    if len(value) > MAX_LABELS:
        raise BadPayload(f"{where} has more than {MAX_LABELS} entries")
    return {_cut(k, MAX_LABEL): v for k, v in value.items()}


def _optional_text(
    container: Mapping[str, Any],
    name: str,
    limit: int,
    *,
    where: str | None = None,
    cut: bool = True,
) -> str | None:
    value = container.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadPayload(f'"{where or name}" must be a string')
    if len(value) > limit and not cut:
        raise BadPayload(f'"{where or name}" is longer than {limit} characters')
    return _cut(value, limit)


def _time(value: Any, where: str) -> datetime | None:
    """An RFC 3339 time, in UTC; None when absent, empty or Go's zero time. A time without
    an offset is taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadPayload(f"{where} must be an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadPayload(f"{where} is not an RFC 3339 time") from None
    return None if moment == ZERO_TIME else moment


def _links(found: list[tuple[str, Any]]) -> tuple[tuple[str, str], ...]:
    """Only http(s) URLs short enough to be whole, each once, at most MAX_LINKS."""
    kept: list[tuple[str, str]] = []
    for label, url in found:
        if not isinstance(url, str) or len(url) > MAX_URL:
            continue
        if not url.lower().startswith(("https://", "http://")):
            continue
        if all(url != seen for _, seen in kept):
            kept.append((_cut(label, 50), url))
    return tuple(kept[:MAX_LINKS])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
