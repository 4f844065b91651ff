"""Webhook bodies as each monitoring tool sends them (field names from their documentation)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

STARTED = "2026-11-30T02:10:00Z"
ZERO = "0001-01-01T00:00:00Z"


def am_alert(
    name: str = "FraudPrecisionDrop",
    *,
    model: str | None = "fraud-scorer",
    severity: str = "critical",
    status: str = "firing",
    fingerprint: str = "a1b2c3d4e5f60718",
    starts_at: str = STARTED,
    summary: str | None = None,
    value: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    all_labels = {"alertname": name, "severity": severity, **labels}
    if model:
        all_labels["model"] = model
    annotations = {"summary": summary} if summary else {}
    if value:
        annotations["value"] = value
    return {
        "status": status,
        "labels": all_labels,
        "annotations": annotations,
        "startsAt": starts_at,
        "endsAt": "2026-11-30T03:00:00Z" if status == "resolved" else ZERO,
        "generatorURL": "http://prometheus.example.com/graph?g0.expr=precision",
        "fingerprint": fingerprint,
    }


def alertmanager(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="FraudPrecisionDrop"}',
        "truncatedAlerts": 0,
        "status": status or ("firing" if firing else "resolved"),
        "receiver": "warroom",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": list(alerts),
    }


def grafana(
    *,
    model: str = "fraud-scorer",
    status: str = "firing",
    fingerprint: str = "f00dfeedbeef0001",
    value: str = "B=0.71",
) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {"alertname": "Precision below SLO", "model": model, "grafana_folder": "ML"},
        "annotations": {"summary": "Fraud precision below 0.8"},
        "startsAt": STARTED,
        "endsAt": ZERO,
        "generatorURL": "https://grafana.example.com/alerting/grafana/abc/view",
        "fingerprint": fingerprint,
        "silenceURL": "https://grafana.example.com/alerting/silence/new",
        "dashboardURL": "https://grafana.example.com/d/fraud",
        "panelURL": "https://grafana.example.com/d/fraud?viewPanel=2",
        "values": {"B": float(value[2:])},
        "valueString": f"[ var='B' labels={{}} value={value[2:]} ]",
    }
    return {
        "receiver": "warroom",
        "status": status,
        "orgId": 1,
        "alerts": [alert],
        "groupLabels": {"alertname": "Precision below SLO"},
        "commonLabels": {"alertname": "Precision below SLO"},
        "commonAnnotations": {},
        "externalURL": "https://grafana.example.com/",
        "version": "1",
        "groupKey": '{}:{alertname="Precision below SLO"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] Precision below SLO",
        "state": "alerting",
        "message": "Fraud precision below 0.8",
    }


def event(
    action: str = "trigger",
    *,
    dedup_key: str = "arize-fraud-psi-001",
    severity: str = "warning",
    model: str = "churn-model",
    summary: str = "PSI 0.31 on feature days_since_login",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": "R0123456789ABCDEF0123456789ABCDE",
        "event_action": action,
        "dedup_key": dedup_key,
    }
    if action == "trigger":
        body["payload"] = {
            "summary": summary,
            "source": "arize",
            "severity": severity,
            "timestamp": datetime(2026, 11, 30, 2, 15, tzinfo=UTC).isoformat(),
            "component": "features",
            "custom_details": {"model": model, "psi": "0.31", "feature": "days_since_login"},
        }
        body["links"] = [{"href": "https://app.arize.com/m/churn", "text": "Arize monitor"}]
    return body
