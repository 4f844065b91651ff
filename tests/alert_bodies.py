"""Bodies as each monitoring tool posts them, with the field names of its documentation:
- Alertmanager: prometheus.io/docs/alerting/latest/configuration/#webhook_config
- Grafana: grafana.com/docs/grafana/latest/alerting/…/integrations/webhook-notifier/
- PagerDuty Events API v2: developer.pagerduty.com/docs/events-api-v2/trigger-events/
"""

from __future__ import annotations

import copy
import json
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"


def alertmanager(*alerts: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A webhook body of version 4, one alert by default: fraud-scorer precision dropping."""
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ModelPrecisionDrop"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": "ModelPrecisionDrop"},
        "commonLabels": {"alertname": "ModelPrecisionDrop", "severity": "critical"},
        "commonAnnotations": {"runbook_url": "https://runbooks.example.com/precision"},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": list(alerts) or [am_alert()],
    }
    body.update(top)
    return body


def am_alert(**fields: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "status": "firing",
        "labels": {
            "alertname": "ModelPrecisionDrop",
            "severity": "critical",
            "model": "fraud-scorer",
            "team": "risk-ml",
        },
        "annotations": {
            "summary": "fraud-scorer precision fell to 0.71",
            "description": "Precision on delayed labels is 0.71 against 0.86 last week.",
            "value": "0.71",
            "runbook_url": "https://runbooks.example.com/precision",
            "dashboard_url": "https://grafana.example.com/d/fraud",
        },
        "startsAt": "2024-05-02T09:51:03.157076+02:00",
        "endsAt": ZERO_TIME,
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=precision",
        "fingerprint": "c6eadffa33fcdf37",
    }
    alert.update(fields)
    return alert


def grafana() -> dict[str, Any]:
    """Grafana's documented example body (two alerts), its `values` as Grafana sends them."""
    return {
        "receiver": "My Super Webhook",
        "status": "firing",
        "orgId": 1,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
                "annotations": {
                    "description": "The system has high memory usage",
                    "runbook_url": "https://myrunbook.com/runbook/1234",
                    "summary": "This alert was triggered for zone us-1",
                },
                "startsAt": "2021-10-12T09:51:03.157076+02:00",
                "endsAt": ZERO_TIME,
                "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
                "fingerprint": "c6eadffa33fcdf37",
                "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
                "dashboardURL": "",
                "panelURL": "",
                "values": {"B": 44.23943737541908, "C": 1},
            },
            {
                "status": "firing",
                "labels": {
                    "alertname": "ModelDrift",
                    "team": "blue",
                    "model": "churn-predictor",
                },
                "annotations": {},
                "startsAt": "2021-10-12T09:56:03.157076+02:00",
                "endsAt": ZERO_TIME,
                "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
                "fingerprint": "bc97ff14869b13e3",
                "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
                "dashboardURL": "https://play.grafana.org/d/drift",
                "panelURL": "https://play.grafana.org/d/drift?viewPanel=3",
                "valueString": "[ metric='psi' labels={feature=amount} value=0.31 ]",
            },
        ],
        "groupLabels": {},
        "commonLabels": {"team": "blue"},
        "commonAnnotations": {},
        "externalURL": "https://play.grafana.org/",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:2]  (blue)",
        "state": "alerting",
        "message": "**Firing**\n\nLabels:\n - alertname = High memory usage\n…",
    }


def event(**fields: Any) -> dict[str, Any]:
    """PagerDuty's documented trigger event, its custom_details naming a model."""
    body: dict[str, Any] = {
        "payload": {
            "summary": "DISK at 99% on machine prod-datapipe03.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "group": "prod-datapipe",
            "class": "disk",
            "custom_details": {
                "free space": "1%",
                "ping time": "1500ms",
                "load avg": 0.75,
                "model": "fraud-scorer",
            },
        },
        "routing_key": "e93facc04764012d7bfb002500d5d1a6",
        "dedup_key": "srv01/mysql",
        "event_action": "trigger",
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.service.com",
        "links": [
            {"href": "http://acme.pagerduty.com", "text": "An example link."},
        ],
        "images": [
            {
                "src": "https://chart.googleapis.com/chart?chs=600x400",
                "href": "https://example.com/",
                "alt": "An example link with an image",
            }
        ],
    }
    body.update(fields)
    return body


def encoded(body: Any) -> bytes:
    return json.dumps(body).encode()


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy with the field at dotted `path` set (or removed, for value ...)."""
    copied = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = copied
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return copied
