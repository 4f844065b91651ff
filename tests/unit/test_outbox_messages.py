"""Every kind of outbox message is a typed value that round-trips, and has a renderer."""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import SHIPPED_TEMPLATES, WarroomConfig
from app.rendering.samples import sample_incident
from app.rendering.templates import TemplateRenderer
from app.services import outbox_messages as said
from app.slack.messages import MessageBook

SAMPLE_VALUES: dict[str, Any] = {
    "text": "Rolled back to v41 <!channel>",  # as typed: escaped when rendered
    "audience": "business",
    "before": "sev3",
    "after": "sev1",
    "reason": "losses accruing",
    "by": "U0ALICE01",
    "role": "tech-lead",
    "user": "U0BOBBY01",
    "previous": None,
    "error": "restricted_action",
    "decision_id": 7,
    "ref": "D-1",
    "question": "Roll back to v41?",
    "options": ["Approve", "Reject"],
    "owner": "U0ALICE01",
    "due_at": datetime(2026, 11, 22, 3, tzinfo=UTC).isoformat(),
    "status": "pending",
    "outcome": "Approve",
    "decided_by": None,
    "rationale": "",
    "why": "precision is known",
    "affected": ["fs-online"],
    "downstream": ["fraud-scorer"],
    "functions": ["risk"],
    "versions": ["fraud-scorer: champion → v12 <!channel>"],
    "added_by": "U0ALICE01",
    "invited": ["U0DATA001"],
    "current": "sev2",
    "suggested": "sev1",
    "tier": "critical",
    "because": ["fraud-scorer"],
    "raised_by": None,
    "system": "fraud-scorer",
    "mlflow_name": "fraud-scorer",
    "alias": "champion",
    "before_run": "abc123",
    "after_run": None,
    "decision": "D-3",
    "from_version": 12,
    "to_version": 11,
}


OVERRIDES: dict[type[said.Said], dict[str, Any]] = {
    said.StatusChanged: {"before": "investigating", "after": "contained"},
    said.Reopened: {"before": "resolved", "after": "investigating"},
    said.Text: {"text": "Words a template rendered, escaped already"},
    said.RollbackDone: {"before": 12, "after": 11},
    said.ChecklistShown: {
        "playbook": "model-drift",
        "title": "Model drift <!channel>",
        "phase": "containment",
        "steps": [said.StepLine("fallback", "Switch to v41 <!here>", True, "tech-lead")],
    },
    said.EvidenceRecorded: {
        "number": 1,
        "kind": "dataset",
        "reference": "s3://snapshots <!channel>",
        "note": "",
    },
    said.HypothesisMoved: {"number": 2, "status": "confirmed", "outcome": "nulls since 02:00"},
    said.AlertsShown: {
        "lines": [
            said.AlertLine(
                "alertmanager:1", "PSI <!channel>", "alertmanager", "firing", "declared", 2
            ),
            said.AlertLine(
                "alertmanager:2",
                "Scores stale",
                "alertmanager",
                "firing",
                "correlated",
                1,
                "0.4 & rising",
                "churn-model",
                "https://prom.example.com/g?x=1|<!here>",
                "2026-11-30T02:10:00+00:00",
            ),
        ],
        "firing": 2,
        "total": 2,
    },
    said.AlertProposed: {
        "proposal_id": 3,
        "title": "Drift <!channel>",
        "source": "events",
        "severity": "sev2",
        "radius": "Blast radius: 2 systems; Fraud & risk",
        "status": "open",
        "attach_to": [said.OpenIncidentChoice(4, "Feature store down")],
    },
    said.AlertNoted: {"title": "Latency <!here>", "source": "grafana", "status": "firing"},
    said.ActionItemRecorded: {"ref": "A-2", "kind": "detect"},
    said.ActionItemDone: {"ref": "A-2", "verification": "alert fired in prod <!here>"},
    said.ActionItemDue: {"ref": "A-2", "overdue": True},
    said.CommandWanted: {
        "incident_id": 1,
        "ref": "INC-1",
        "title": "Precision drop <!channel>",
        "owners": ["U0ML00001"],
    },
}


def sample(kind: type[said.Said]) -> said.Said:
    values = {**SAMPLE_VALUES, **OVERRIDES.get(kind, {})}
    given = [f for f in fields(kind) if f.name in values or not _has_default(f)]
    return kind(**{f.name: values[f.name] for f in given})


def _has_default(f: Any) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


@pytest.fixture
def book() -> MessageBook:
    config = WarroomConfig()
    return MessageBook(
        TemplateRenderer(SHIPPED_TEMPLATES), config.severity_scale(), config.role_catalog()
    )


SLACK_KINDS = [k for k in said.KINDS.values() if k not in said.NOT_FOR_SLACK]


@pytest.mark.parametrize("kind", SLACK_KINDS, ids=lambda k: k.KIND)
def test_each_kind_round_trips_and_renders(kind: type[said.Said], book: MessageBook) -> None:
    message = sample(kind)
    assert said.decode(message.encode()) == message
    config = WarroomConfig()
    incident = sample_incident(config.severity_scale(), config.role_catalog())
    rendered = book.render(message, incident)
    assert rendered.text and rendered.blocks
    assert "<!channel>" not in str(rendered.blocks)  # user text is escaped on the way out


def test_a_kind_without_a_renderer_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    class Forgotten(said.Said):
        KIND = "forgotten"

    monkeypatch.setitem(said.KINDS, Forgotten.KIND, Forgotten)
    config = WarroomConfig()
    with pytest.raises(RuntimeError, match="forgotten"):
        MessageBook(
            TemplateRenderer(SHIPPED_TEMPLATES), config.severity_scale(), config.role_catalog()
        )


def test_rows_written_before_versions_were_recorded_still_read() -> None:
    payload = {"message": "note_added", "params": {"text": "PSI 0.31", "by": "U0ALICE01"}}
    assert said.decode(payload) == said.NoteAdded("PSI 0.31", "U0ALICE01")


@pytest.mark.parametrize(
    "payload",
    [
        {"message": "no_such_kind", "params": {}},
        {"message": "note_added", "params": {"txt": "renamed", "by": "U0ALICE01"}},
        {"message": "note_added", "params": {"by": "U0ALICE01"}},
        {"message": "note_added", "v": 2, "params": {"text": "x", "by": "U0ALICE01"}},
        {"message": "note_added", "params": ["not", "a", "mapping"]},
    ],
)
def test_a_message_that_cannot_be_read_back_is_undeliverable(payload: dict[str, Any]) -> None:
    with pytest.raises(said.Undeliverable):
        said.decode(payload)
