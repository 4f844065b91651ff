"""Each tool's body, with the field names of its documentation, turned into Alert values; and
the bodies that are refused, each with a one-line reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain.alerts import Alert
from app.web.alert_payloads import (
    MAX_ALERTS,
    MAX_TITLE,
    BadPayload,
    alertmanager_alerts,
    event_alert,
    grafana_alerts,
)
from tests.alert_bodies import alertmanager, am_alert, changed, encoded, event, grafana

# --- Alertmanager ------------------------------------------------------------------------------


def test_an_alertmanager_alert_becomes_an_alert_with_everything_rules_and_people_need() -> None:
    [alert] = alertmanager_alerts(encoded(alertmanager()))
    assert alert == Alert(
        source="alertmanager",
        key="c6eadffa33fcdf37",
        status="firing",
        labels={
            "alertname": "ModelPrecisionDrop",
            "severity": "critical",
            "model": "fraud-scorer",
            "team": "risk-ml",
        },
        title="fraud-scorer precision fell to 0.71",
        description="Precision on delayed labels is 0.71 against 0.86 last week.",
        system="fraud-scorer",
        started_at=datetime(2024, 5, 2, 7, 51, 3, 157076, tzinfo=UTC),
        ended_at=None,  # Alertmanager's zero time: still firing
        value="0.71",
        links=(
            ("source", "http://prometheus.example.com:9090/graph?g0.expr=precision"),
            ("runbook", "https://runbooks.example.com/precision"),
            ("dashboard", "https://grafana.example.com/d/fraud"),
        ),
        group_key='{}/{severity="critical"}:{alertname="ModelPrecisionDrop"}',
    )


def test_the_groups_common_labels_lie_underneath_each_alerts_own() -> None:
    body = alertmanager(
        am_alert(labels={"alertname": "FeatureDrift", "severity": "warning"}),
        commonLabels={"severity": "critical", "env": "prod"},
    )
    [alert] = alertmanager_alerts(encoded(body))
    assert alert.labels == {"alertname": "FeatureDrift", "severity": "warning", "env": "prod"}


def test_without_a_summary_the_title_is_the_alertname_on_the_system() -> None:
    bare = am_alert(annotations={})
    [on_system] = alertmanager_alerts(encoded(alertmanager(bare)))
    assert on_system.title == "ModelPrecisionDrop on fraud-scorer"
    assert (on_system.description, on_system.value) == ("", "")

    no_system = am_alert(annotations={}, labels={"alertname": "QueueBacklog"})
    [alert] = alertmanager_alerts(encoded(alertmanager(no_system, commonLabels={})))
    assert (alert.title, alert.system) == ("QueueBacklog", None)


def test_the_system_label_is_the_one_configured() -> None:
    body = encoded(alertmanager(am_alert(labels={"alertname": "Drift", "service": "ranker"})))
    [alert] = alertmanager_alerts(body, system_label="service")
    assert (alert.system, alert.title) == ("ranker", "fraud-scorer precision fell to 0.71")
    [default] = alertmanager_alerts(body)
    assert default.system is None


def test_a_resolved_alert_carries_its_end() -> None:
    resolved = am_alert(status="resolved", endsAt="2024-05-02T08:30:00Z")
    [alert] = alertmanager_alerts(encoded(alertmanager(resolved, status="resolved")))
    assert alert.status == "resolved"
    assert alert.ended_at == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)


def test_nanosecond_times_as_alertmanager_writes_them_are_read() -> None:
    body = alertmanager(am_alert(startsAt="2024-05-02T07:51:03.123456789Z"))
    [alert] = alertmanager_alerts(encoded(body))
    assert alert.started_at == datetime(2024, 5, 2, 7, 51, 3, 123456, tzinfo=UTC)


def test_without_a_fingerprint_the_key_is_the_same_for_the_same_labels_in_any_order() -> None:
    labels = {"alertname": "Drift", "model": "ranker", "feature": "amount"}
    first = am_alert(labels=labels)
    del first["fingerprint"]
    second = am_alert(labels=dict(reversed(list(labels.items()))))
    del second["fingerprint"]
    other = am_alert(labels={**labels, "feature": "country"})
    del other["fingerprint"]
    keys = [a.key for a in alertmanager_alerts(encoded(alertmanager(first, second, other)))]
    assert keys[0] == keys[1] != keys[2]
    assert len(keys[0]) == 16


def test_many_alerts_in_one_notification_each_become_one() -> None:
    alerts = [am_alert(fingerprint=f"{n:016x}") for n in range(MAX_ALERTS)]
    parsed = alertmanager_alerts(encoded(alertmanager(*alerts)))
    assert [a.key for a in parsed] == [f"{n:016x}" for n in range(MAX_ALERTS)]


def test_over_long_text_is_cut_and_unusable_links_are_dropped() -> None:
    notes = {
        "summary": "x" * 5000,
        "description": "y" * 10_000,
        "runbook_url": "javascript:alert(1)",
        "dashboard_url": "https://grafana.example.com/" + "d" * 3000,
    }
    [alert] = alertmanager_alerts(encoded(alertmanager(am_alert(annotations=notes))))
    assert len(alert.title) == MAX_TITLE and alert.title.endswith("…")
    assert 1000 < len(alert.description) <= 3000
    assert [label for label, _ in alert.links] == ["source"]


# --- Grafana -----------------------------------------------------------------------------------


def test_grafanas_documented_body_gives_its_alerts_with_values_and_links() -> None:
    memory, drift = grafana_alerts(encoded(grafana()))
    assert memory.source == "grafana" and memory.key == "c6eadffa33fcdf37"
    assert memory.title == "This alert was triggered for zone us-1"
    assert memory.value == "B=44.2394, C=1"
    assert memory.links == (
        ("source", "https://play.grafana.org/alerting/1afz29v7z/edit"),
        ("silence", "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"),
        ("runbook", "https://myrunbook.com/runbook/1234"),
    )
    assert memory.system is None and memory.labels["team"] == "blue"
    assert memory.started_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)

    assert (drift.title, drift.system) == ("ModelDrift on churn-predictor", "churn-predictor")
    assert drift.value == "[ metric='psi' labels={feature=amount} value=0.31 ]"
    assert [label for label, _ in drift.links] == ["source", "dashboard", "panel", "silence"]
    assert drift.group_key == "{}:{}"


# --- PagerDuty Events API v2 -------------------------------------------------------------------


def test_a_trigger_event_becomes_a_firing_alert_labelled_by_its_details_and_payload() -> None:
    alert = event_alert(encoded(event()))
    assert alert == Alert(
        source="events",
        key="srv01/mysql",
        status="firing",
        labels={
            "free space": "1%",
            "ping time": "1500ms",
            "model": "fraud-scorer",  # "load avg": 0.75 is not a string, so not a label
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "group": "prod-datapipe",
            "class": "disk",
        },
        title="DISK at 99% on machine prod-datapipe03.example.com",
        system="fraud-scorer",
        started_at=datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC),
        links=(
            ("An example link.", "http://acme.pagerduty.com"),
            ("Sample Monitoring Service", "https://monitoring.service.com"),
        ),
    )


def test_a_trigger_without_a_dedup_key_gets_a_new_one() -> None:
    body = encoded(changed(event(), "dedup_key", ...))
    assert event_alert(body, new_key=lambda: "k-1").key == "k-1"
    first, second = event_alert(body).key, event_alert(body).key
    assert first != second and len(first) == 32


@pytest.mark.parametrize(
    ("action", "status"), [("acknowledge", "acknowledged"), ("resolve", "resolved")]
)
def test_acknowledge_and_resolve_need_only_the_dedup_key(action: str, status: str) -> None:
    alert = event_alert(
        encoded({"routing_key": "r" * 32, "dedup_key": "srv01/mysql", "event_action": action})
    )
    assert (alert.key, alert.status, alert.title, alert.labels) == ("srv01/mysql", status, "", {})


def test_a_timestamp_without_an_offset_is_taken_as_utc() -> None:
    body = changed(event(), "payload.timestamp", "2024-05-02T10:00:00")
    assert event_alert(encoded(body)).started_at == datetime(2024, 5, 2, 10, tzinfo=UTC)
    assert event_alert(encoded(changed(event(), "payload.timestamp", ...))).started_at is None


def test_the_system_is_the_custom_details_key_of_the_system_label() -> None:
    body = changed(event(), "payload.custom_details.service", "ranker")
    assert event_alert(encoded(body), system_label="service").system == "ranker"


# --- refused -----------------------------------------------------------------------------------

AM = alertmanager()
BAD_ALERTMANAGER: list[tuple[str, Any, str]] = [
    ("not JSON", b"{alerts: [", "body is not JSON"),
    ("not UTF-8", b'{"version": "4\xff"}', "body is not UTF-8"),
    ("a list", encoded([AM]), "body is not a JSON object"),
    ("wrong version", encoded(changed(AM, "version", "3")), '"version" must be "4"'),
    ("no alerts", encoded(changed(AM, "alerts", ...)), '"alerts" must be a list'),
    ("alerts an object", encoded(changed(AM, "alerts", {})), '"alerts" must be a list'),
    ("alert a string", encoded(changed(AM, "alerts", ["x"])), "alerts[0] must be an object"),
    ("label a number", encoded(changed(AM, "alerts.0.labels.model", 3)), "alerts[0].labels must"),
    ("labels a list", encoded(changed(AM, "commonLabels", [])), '"commonLabels" must be an object'),
    (
        "no status",
        encoded(changed(AM, "alerts.0.status", ...)),
        'alerts[0].status must be "firing"',
    ),
    ("bad status", encoded(changed(AM, "alerts.0.status", "pending")), "alerts[0].status"),
    (
        "bad time",
        encoded(changed(AM, "alerts.0.startsAt", "yesterday")),
        "alerts[0].startsAt is not",
    ),
    ("time a number", encoded(changed(AM, "alerts.0.endsAt", 17)), "alerts[0].endsAt must be"),
    (
        "fingerprint a number",
        encoded(changed(AM, "alerts.0.fingerprint", 7)),
        "fingerprint must be",
    ),
    ("too many", encoded(alertmanager(*[am_alert()] * (MAX_ALERTS + 1))), "more than 1000 alerts"),
    ("deep", b'{"version": "4", "alerts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not JSON"),
]


@pytest.mark.parametrize(
    ("case", "body", "reason"), BAD_ALERTMANAGER, ids=[c[0] for c in BAD_ALERTMANAGER]
)
def test_a_bad_alertmanager_body_is_refused_with_a_one_line_reason(
    case: str, body: bytes, reason: str
) -> None:
    with pytest.raises(BadPayload) as refused:
        alertmanager_alerts(body)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason and len(refused.value.reason) < 100


def test_grafana_refuses_what_alertmanager_refuses_but_not_its_own_version() -> None:
    with pytest.raises(BadPayload, match="alerts"):
        grafana_alerts(encoded(changed(grafana(), "alerts", None)))
    with pytest.raises(BadPayload, match="values must be an object"):
        grafana_alerts(encoded(changed(grafana(), "alerts.0.values", [1, 2])))


EV = event()
BAD_EVENTS: list[tuple[str, Any, str]] = [
    ("not JSON", b"event_action=trigger", "body is not JSON"),
    ("no action", encoded(changed(EV, "event_action", ...)), '"event_action" must be'),
    ("bad action", encoded(changed(EV, "event_action", "escalate")), '"event_action" must be'),
    (
        "ack without key",
        encoded({"event_action": "acknowledge"}),
        '"dedup_key" is required to acknowledge',
    ),
    (
        "resolve without key",
        encoded({"event_action": "resolve", "dedup_key": ""}),
        "required to resolve",
    ),
    ("key too long", encoded(changed(EV, "dedup_key", "k" * 256)), "longer than 255"),
    ("key a number", encoded(changed(EV, "dedup_key", 5)), '"dedup_key" must be a string'),
    ("no payload", encoded(changed(EV, "payload", ...)), '"payload" must be an object'),
    ("no summary", encoded(changed(EV, "payload.summary", ...)), 'summary" is required'),
    ("no severity", encoded(changed(EV, "payload.severity", ...)), 'severity" must be one of'),
    (
        "bad severity",
        encoded(changed(EV, "payload.severity", "sev1")),
        "critical, error, warning, info",
    ),
    ("bad time", encoded(changed(EV, "payload.timestamp", "now")), "payload.timestamp is not"),
    ("source a list", encoded(changed(EV, "payload.source", ["a"])), '"payload.source" must be'),
    ("links an object", encoded(changed(EV, "links", {"href": "x"})), '"links" must be a list'),
]


@pytest.mark.parametrize(("case", "body", "reason"), BAD_EVENTS, ids=[c[0] for c in BAD_EVENTS])
def test_a_bad_event_is_refused_with_a_one_line_reason(case: str, body: bytes, reason: str) -> None:
    with pytest.raises(BadPayload) as refused:
        event_alert(body)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason


def test_a_long_summary_is_cut_for_the_title_and_kept_longer_in_the_description() -> None:
    alert = event_alert(encoded(changed(event(), "payload.summary", "s" * 1500)))
    assert len(alert.title) == MAX_TITLE
    assert len(alert.description) == 1024 and alert.description.endswith("…")
