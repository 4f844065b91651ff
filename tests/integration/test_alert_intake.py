"""Alerts through the real webhook routes: each rule, each kind of repeat, the storm."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import parse_config
from app.domain.incident import BOT_ACTOR
from app.persistence.tables import (
    AlertLink,
    AlertProposal,
    Incident,
    OutboxMessage,
    RoleAssignment,
    TimelineEntry,
)
from app.services import alert_intake
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, FakeClock, Warroom
from tests.integration.alert_bodies import alertmanager, am_alert, event, grafana

DATA, ML, RISK, GROWTH = "U0DATA001", "U0ML00001", "U0RISK001", "U0GROW001"
STORM = 30

CONFIG: dict[str, Any] = {
    "business_functions": {
        "risk": {"name": "Fraud & risk", "owners": [RISK]},
        "retention": {"name": "Retention offers", "owners": [GROWTH]},
    },
    "catalog": {
        "fs-online": {"kind": "feature_store", "owners": [DATA]},
        "fraud-scorer": {
            "kind": "model",
            "owners": [ML],
            "depends_on": ["fs-online"],
            "serves": ["risk"],
            "playbook": "model-drift",
        },
        "churn-model": {"kind": "model", "depends_on": ["fs-online"], "serves": ["retention"]},
        "kyc-checker": {"kind": "service", "serves": ["risk"]},
        **{
            f"model-{n:02}": {"kind": "model", "depends_on": ["fs-storm"]}
            for n in range(1, STORM + 1)
        },
        "fs-storm": {"kind": "feature_store", "owners": [DATA]},
    },
    "alerts": {
        "triage_channel": "#ml-alerts",
        "rules": [
            {"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"},
            {"match": {"severity": "info"}, "action": "ignore"},
            {"match": {"alertname": "ServingLatencyNote"}, "action": "note"},
            {
                "match_re": {"alertname": "Model.*Drift.*"},
                "action": "propose",
                "severity": "sev2",
                "playbook": "model-drift",
            },
        ],
        "default": {"action": "propose", "severity": "sev3"},
    },
}


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    now = FakeClock(datetime(2026, 11, 30, 2, 12, tzinfo=UTC))  # alerts began at 02:10
    room = Warroom(
        fake, sqlite_url, config=parse_config(CONFIG), clock=now, alerts_token=ALERTS_TOKEN
    )
    for user, name in [(DATA, "dev"), (ML, "mel"), (RISK, "rita"), (GROWTH, "gus")]:
        fake.add_user(user, name)
    room.triage = fake.add_channel("ml-alerts", members=[ML, DATA])  # type: ignore[attr-defined]
    await room.start()
    yield room
    await room.stop()


async def send(room: Warroom, source: str, body: Any) -> dict[str, Any]:
    response = await room.alert(source, body)
    assert response.status_code in (200, 202), response.text
    await room.settle()
    return dict(response.json())


def triage(room: Warroom) -> str:
    return str(room.triage)  # type: ignore[attr-defined]


def commander(room: Warroom, number: int = 1) -> str | None:
    held = [
        a.user_id
        for a in room.rows(RoleAssignment)
        if a.incident_id == number and a.role == "commander" and a.ended_at is None
    ]
    return held[0] if held else None


def timeline(room: Warroom, kind: str = "alert") -> list[str]:
    return [e.text for e in room.rows(TimelineEntry) if e.kind == kind]


# --- declare ----------------------------------------------------------------------------


async def test_a_critical_alert_declares_an_incident_that_waits_for_a_commander(
    room: Warroom,
) -> None:
    summary = "Fraud model precision dropped 15%"
    await send(room, "alertmanager", alertmanager(am_alert(summary=summary, value="0.71")))

    [incident] = room.rows(Incident)
    assert incident.title == summary and incident.severity == "sev1"
    assert incident.declared_by == BOT_ACTOR and incident.detected_by == "alert:alertmanager"
    assert incident.started_at == datetime(2026, 11, 30, 2, 10, tzinfo=UTC)
    assert incident.detected_at is not None and incident.detected_at >= incident.started_at
    assert commander(room) is None  # nobody commands it until someone takes it

    channel = room.incident_channel(1)
    assert {ML, RISK} <= set(channel.members)  # the system's and its radius's owners
    assert DATA not in channel.members  # upstream: not in the radius
    asked = room.said(channel.id, "nobody commands it yet")
    assert f"<@{ML}>" in asked and "Take command" in asked
    assert "Take command" in room.said(triage(room), "nobody commands it yet")
    alerts = room.said(channel.id, "Alerts:")
    assert "1 firing of 1" in alerts and "0.71" in alerts and "fraud-scorer" in alerts
    assert "Blast radius" in room.said(channel.id, "Blast radius")
    assert "Detection" in room.said(channel.id, "Detection")  # the model-drift checklist
    assert "Declared by* Warroom, from an alert" in room.said(channel.id, "Declared by")
    assert summary in room.said(room.announcements, summary)
    [link] = room.rows(AlertLink)
    assert link.incident_id == 1 and link.how == "declared"


async def test_a_title_from_the_alertname_and_system_when_there_is_no_summary(
    room: Warroom,
) -> None:
    await send(room, "alertmanager", alertmanager(am_alert("FraudScoresMissing")))
    [incident] = room.rows(Incident)
    assert incident.title == "FraudScoresMissing on fraud-scorer"


# --- dedupe ------------------------------------------------------------------------------


async def test_a_replayed_webhook_changes_nothing(room: Warroom) -> None:
    body = alertmanager(am_alert(value="0.71"))
    await send(room, "alertmanager", body)
    rows, calls = len(room.rows(OutboxMessage)), len(room.fake.calls)
    entries = len(room.rows(TimelineEntry))

    for _ in range(3):  # Alertmanager's retries and repeat_interval resend the same group
        await send(room, "alertmanager", body)

    assert len(room.rows(Incident)) == 1
    assert len(room.rows(OutboxMessage)) == rows and len(room.fake.calls) == calls
    assert len(room.rows(TimelineEntry)) == entries


async def test_a_new_value_and_a_resolution_fold_into_the_incident(room: Warroom) -> None:
    await send(room, "alertmanager", alertmanager(am_alert(value="0.71")))
    channel = room.incident_channel(1).id
    posted = len(room.fake.messages(channel))

    await send(room, "alertmanager", alertmanager(am_alert(value="0.64")))
    assert any("Alert still firing" in t and "0.64" in t for t in timeline(room))
    alerts = room.said(channel, "Alerts:")
    assert "0.64" in alerts and "0.71" not in alerts  # the one message, edited in place
    assert room.fake.calls_to("chat.update")

    await send(room, "alertmanager", alertmanager(am_alert(status="resolved")))
    [resolved] = [t for t in timeline(room) if "Alert resolved at" in t]
    assert "consider moving to verifying" in resolved
    assert "0 firing of 1" in room.said(channel, "Alerts:")
    assert "consider moving to verifying" in room.said(channel, "Alert resolved at")
    assert room.rows(Incident)[0].status == "investigating"  # never resolved by an alert
    assert len(room.rows(Incident)) == 1
    assert len(room.fake.messages(channel)) == posted + 1  # only the nudge was a new post

    await send(room, "alertmanager", alertmanager(am_alert(status="resolved")))  # resent
    assert len([t for t in timeline(room) if "Alert resolved at" in t]) == 1


async def test_an_alert_firing_again_after_it_resolved_counts_again(room: Warroom) -> None:
    await send(room, "alertmanager", alertmanager(am_alert()))
    await send(room, "alertmanager", alertmanager(am_alert(status="resolved")))
    again = am_alert(starts_at="2026-11-30T04:00:00Z", value="0.69")
    await send(room, "alertmanager", alertmanager(again))

    [link] = room.rows(AlertLink)
    assert link.fired == 2 and link.status == "firing"
    assert any("Alert firing again" in t for t in timeline(room))
    assert "fired 2×" in room.said(room.incident_channel(1).id, "Alerts:")
    assert len(room.rows(Incident)) == 1


async def test_an_alert_resolved_before_it_was_ever_seen_leads_to_nothing(room: Warroom) -> None:
    answer = await send(room, "alertmanager", alertmanager(am_alert(status="resolved")))
    assert answer["status"] == "ok"
    assert room.rows(Incident) == [] and room.rows(AlertLink) == []
    assert room.fake.messages(triage(room)) == []


# --- propose, note, ignore -----------------------------------------------------------------


async def test_a_drift_alert_is_proposed_in_triage_and_its_repeats_fold_into_it(
    room: Warroom,
) -> None:
    drift = am_alert("ModelFeatureDriftHigh", severity="warning", fingerprint="d1", value="PSI 0.3")
    await send(room, "alertmanager", alertmanager(drift))

    assert room.rows(Incident) == []
    [proposal] = room.rows(AlertProposal)
    assert proposal.severity == "sev2" and proposal.playbook == "model-drift"
    [message] = room.fake.messages(triage(room))
    shown = json.dumps(message.blocks)
    assert "Declare SEV2" in shown and "Dismiss" in shown and "PSI 0.3" in shown
    assert "Blast radius: 1 system; Fraud &amp; risk" in shown

    other = am_alert("ModelLabelDriftHigh", severity="warning", fingerprint="d2")
    await send(room, "alertmanager", alertmanager(other))  # same system, another alert
    assert len(room.rows(AlertProposal)) == 1
    assert len(room.fake.messages(triage(room))) == 1
    assert "1 more alert folded in" in json.dumps(room.fake.messages(triage(room))[0].blocks)


async def test_an_unmatched_alert_is_proposed_at_the_default_severity(room: Warroom) -> None:
    await send(room, "events", event())
    [proposal] = room.rows(AlertProposal)
    assert proposal.severity == "sev3" and proposal.system == "churn-model"
    shown = json.dumps(room.fake.messages(triage(room))[0].blocks)
    assert "Declare SEV3" in shown and "Arize monitor" not in shown  # the source is shown
    assert "app.arize.com" in shown


async def test_a_note_goes_to_triage_or_to_the_incident_of_its_system(room: Warroom) -> None:
    note = am_alert("ServingLatencyNote", severity="warning", model="kyc-checker", fingerprint="1")
    await send(room, "alertmanager", alertmanager(note))
    assert room.rows(Incident) == [] and room.rows(AlertProposal) == []
    assert "ServingLatencyNote on kyc-checker" in room.said(triage(room), "ServingLatencyNote")

    await room.command("declare sev2 KYC checks slow --affects kyc-checker")
    await room.settle()
    later = am_alert(
        "ServingLatencyNote", severity="warning", model="kyc-checker", fingerprint="n2"
    )
    await send(room, "alertmanager", alertmanager(later))
    assert len(room.rows(Incident)) == 1
    assert "ServingLatencyNote" in room.said(room.incident_channel(1).id, "Alerts:")


async def test_an_ignored_alert_leaves_no_trace(room: Warroom) -> None:
    await send(room, "alertmanager", alertmanager(am_alert(severity="info")))
    assert room.rows(Incident) == [] and room.rows(AlertLink) == []
    assert room.fake.messages(triage(room)) == []


# --- correlation ---------------------------------------------------------------------------


async def test_an_alert_downstream_of_an_open_incident_joins_it_with_a_split_button(
    room: Warroom,
) -> None:
    await room.command("declare sev2 Online feature store down --affects fs-online")
    await room.settle()
    await send(room, "alertmanager", alertmanager(am_alert(fingerprint="c1")))

    assert len(room.rows(Incident)) == 1  # not declared: it joined
    [link] = room.rows(AlertLink)
    assert link.incident_id == 1 and link.how == "correlated"
    alerts = next(m for m in room.fake.messages(room.incident_channel(1).id) if "Alerts:" in m.text)
    assert "Split into its own incident" in json.dumps(alerts.blocks)
    assert any("downstream of what it affects" in t for t in timeline(room))


async def test_a_storm_behind_one_feature_store_is_one_incident(room: Warroom) -> None:
    storm = [
        am_alert("ModelScoresStale", model=f"model-{n:02}", fingerprint=f"s{n:02}")
        for n in range(1, STORM + 1)
    ]
    answer = await send(room, "alertmanager", alertmanager(*storm))
    assert answer["alerts"] == STORM

    [incident] = room.rows(Incident)
    links = room.rows(AlertLink)
    assert len(links) == STORM and {a.incident_id for a in links} == {incident.id}
    assert sorted(a.how for a in links).count("correlated") == STORM - 1
    channel = room.incident_channel(1).id
    [alerts] = [m for m in room.fake.messages(channel) if "Alerts:" in m.text]  # one message
    assert f"{STORM} firing of {STORM}" in alerts.text
    shown = json.dumps(alerts.blocks, ensure_ascii=False)
    assert "…and 15 more" in shown and "Split an alert off" in shown
    assert len(alerts.blocks) <= 50
    updates = [c for c in room.fake.calls_to("chat.update") if c.args.get("ts") == alerts.ts]
    assert len(updates) <= 3  # edits coalesce: not one per alert


async def test_past_the_storm_window_a_sibling_alarm_is_its_own_problem(room: Warroom) -> None:
    await send(room, "alertmanager", alertmanager(am_alert(model="model-01", fingerprint="w1")))
    room.clock.advance(room.app.config.alerts.storm_window * 2)
    await send(room, "alertmanager", alertmanager(am_alert(model="model-02", fingerprint="w2")))
    assert len(room.rows(Incident)) == 2


# --- the other tools ------------------------------------------------------------------------


async def test_grafana_and_events_bodies_take_the_same_path(room: Warroom) -> None:
    await send(room, "grafana", grafana())  # no severity label: the default proposes it
    [proposal] = room.rows(AlertProposal)
    assert proposal.system == "fraud-scorer" and proposal.severity == "sev3"
    shown = json.dumps(room.fake.messages(triage(room))[0].blocks)
    assert "Fraud precision below 0.8" in shown and "B=0.71" in shown
    await send(room, "grafana", grafana(value="B=0.62"))
    assert "B=0.62" in json.dumps(room.fake.messages(triage(room))[0].blocks)  # redrawn

    answer = await send(room, "events", event(severity="critical", model="churn-model"))
    assert answer == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "arize-fraud-psi-001",
    }
    [declared] = room.rows(Incident)
    assert declared.detected_by == "alert:events"
    assert declared.started_at == datetime(2026, 11, 30, 2, 15, tzinfo=UTC)
    assert (await send(room, "events", event("acknowledge")))["status"] == "success"
    await send(room, "events", event("resolve"))
    assert any("Alert resolved at" in t for t in timeline(room))
    assert len(room.rows(Incident)) == 1


# --- faults and hostile text ------------------------------------------------------------------


async def test_one_alert_failing_is_retried_and_the_others_are_not_repeated(
    room: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = alert_intake._declare

    def flaky(ctx: Any, unit: Any, alert: Any, *args: Any) -> str:
        if alert.key == "bad":
            raise RuntimeError("the database went away")
        return real(ctx, unit, alert, *args)

    monkeypatch.setattr(alert_intake, "_declare", flaky)
    body = alertmanager(
        am_alert(model="kyc-checker", fingerprint="good"),
        am_alert(model="churn-model", fingerprint="bad"),
    )
    response = await room.alert("alertmanager", body)
    await room.settle()
    assert response.status_code == 503 and response.headers.get("retry-after")
    assert len(room.rows(Incident)) == 1  # the good one was taken, nothing half-made

    monkeypatch.setattr(alert_intake, "_declare", real)
    assert (await room.alert("alertmanager", body)).status_code == 200
    await room.settle()
    assert len(room.rows(Incident)) == 2  # the retry took the other; the first not again


async def test_an_alert_cannot_ping_the_channel(room: Warroom) -> None:
    hostile = am_alert(
        "ModelDriftX", severity="warning", summary="<!channel> drift & <https://evil|click>"
    )
    await send(room, "alertmanager", alertmanager(hostile))
    shown = json.dumps(room.fake.messages(triage(room))[0].blocks)
    assert "<!channel>" not in shown and "&lt;!channel&gt; drift &amp;" in shown
    assert "<https://evil" not in shown


async def test_a_proposal_offers_the_incident_declared_later_on_its_system(room: Warroom) -> None:
    drift = am_alert("ModelFeatureDriftHigh", severity="warning", fingerprint="d1")
    await send(room, "alertmanager", alertmanager(drift))
    [message] = room.fake.messages(triage(room))
    assert "Attach to" not in json.dumps(message.blocks)  # no incident on its system yet

    await room.command("declare sev2 Fraud scores look off --affects fraud-scorer")
    await room.settle()
    [message] = room.fake.messages(triage(room))  # the same message, redrawn
    assert "Attach to INC-1" in json.dumps(message.blocks)

    await room.press(message, "Attach to INC-1", user=room.people.alice)
    await room.settle()
    [link] = room.rows(AlertLink)
    assert link.incident_id == 1 and room.rows(AlertProposal)[0].status == "attached"
    assert "ModelFeatureDriftHigh" in room.said(room.incident_channel(1).id, "Alerts:")


async def test_a_long_open_incidents_alerts_message_outlives_the_outbox_retention(
    room: Warroom,
) -> None:
    await send(room, "alertmanager", alertmanager(am_alert(value="0.71")))
    await room.tick(35 * 24 * 60)  # past the outbox's 30 days, the incident still open
    await send(room, "alertmanager", alertmanager(am_alert(value="0.52")))
    alerts = room.said(room.incident_channel(1).id, "Alerts:")
    assert "0.52" in alerts and "0.71" not in alerts  # still edited in place


async def test_an_earlier_alert_joining_moves_the_start_back(room: Warroom) -> None:
    await room.command("declare sev2 Online feature store down --affects fs-online")
    await room.settle()
    assert room.rows(Incident)[0].started_at is None  # a person noticed: start unknown
    early = am_alert(fingerprint="e1", starts_at="2026-11-30T01:55:00Z")
    await send(room, "alertmanager", alertmanager(early))
    assert room.rows(Incident)[0].started_at == datetime(2026, 11, 30, 1, 55, tzinfo=UTC)
    later = am_alert(model="churn-model", fingerprint="e2", starts_at="2026-11-30T02:05:00Z")
    await send(room, "alertmanager", alertmanager(later))
    assert room.rows(Incident)[0].started_at == datetime(2026, 11, 30, 1, 55, tzinfo=UTC)
