"""A playbook in an incident: its checklist, the gates between phases, evidence, hypotheses,
the remediation menu; driven through signed commands and block actions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from app.config import parse_config
from app.domain.playbooks import Option, Phase, Playbook, Step
from app.persistence.tables import (
    Decision,
    GateOverride,
    Incident,
    IncidentPlaybook,
    StepState,
    TimelineEntry,
)
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

DRIFT = Playbook(
    name="model-drift",
    title="Model performance drop",
    phases=(
        Phase(
            "detection",
            (
                Step(
                    "confirm-drop", "Confirm the metric drop and when it began", "tech-lead", True
                ),
                Step(
                    "snapshot", "Snapshot input data for the window", "tech-lead", False, "dataset"
                ),
            ),
        ),
        Phase(
            "containment",
            (
                Step("fallback", "Switch to the previous model version", "tech-lead", True),
                Step("freeze-pipeline", "Halt the model's CI/CD pipeline", "tech-lead", True),
            ),
        ),
        Phase(
            "remediation",
            (Step("root-cause", "Record the confirmed root cause", "tech-lead", True),),
            (
                Option(
                    "retrain", "Retrain on fresh data", "1-2 d", "medium", "keep v41", "within 1%"
                ),
                Option(
                    "recalibrate", "Recalibrate thresholds", "2 h", "low", "restore", "alerts ok"
                ),
            ),
        ),
        Phase("verification", (Step("metric-holds", "Metric in band for 2 h", "tech-lead", True),)),
    ),
    sha256="a" * 64,
)
CATALOG = {"catalog": {"fraud-scorer": {"kind": "model", "playbook": "model-drift"}}}


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, config=parse_config(CATALOG))
    await warroom.start()
    warroom.app.ctx.playbooks = {DRIFT.name: DRIFT}
    yield warroom
    await warroom.stop()


async def declared(room: Warroom, extra: str = " --playbook model-drift") -> str:
    await room.command(f"declare sev2 Fraud precision dropped 15%{extra}")
    await room.settle()
    return str(room.incident_channel(1).id)


def checklists(room: Warroom, channel: str) -> list[Any]:
    return [
        m for m in room.fake.messages(channel) if "required steps done" in m.text + str(m.blocks)
    ]


def boxes(message: Any) -> list[dict[str, Any]]:
    return [
        element
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "checkboxes"
    ]


async def tick(room: Warroom, message: Any, values: list[str], user: str) -> None:
    """Slack's block action for the checkboxes holding `values`: they are now the ticked ones."""
    element = next(e for e in boxes(message) if any(o["value"] in values for o in e["options"]))
    block = next(b for b in message.blocks if element in b.get("elements", []))
    chosen = [o for o in element["options"] if o["value"] in values]
    body = {
        "type": "block_actions",
        "user": {"id": user, "username": "u", "name": "u", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "team": {"id": "T0TEAM", "domain": "fake"},
        "channel": {"id": message.channel, "name": "inc"},
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "trigger_id": room.fake.issue_trigger_id(),
        "response_url": room.fake.new_response_url(),
        "actions": [
            {
                "type": "checkboxes",
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "selected_options": chosen,
                "action_ts": "1795312900.000100",
            }
        ],
    }
    await room.interact(body)


async def test_the_checklist_is_posted_and_ticking_records_who_and_edits_it_in_place(
    room: Warroom,
) -> None:
    channel = await declared(room)
    [playbook] = room.rows(IncidentPlaybook)
    assert (playbook.name, playbook.sha256) == ("model-drift", "a" * 64)
    [detection] = checklists(room, channel)
    assert "Detection" in str(detection.blocks) and "0 of 1 required" in str(detection.blocks)
    await tick(room, detection, ["confirm-drop"], room.people.bob)
    await room.settle()
    [state] = room.rows(StepState)
    assert (state.step_id, state.done, state.by) == ("confirm-drop", True, room.people.bob)
    edited = room.fake.messages(channel)
    shown = next(m for m in edited if m.ts == detection.ts)
    assert "1 of 1 required" in str(shown.blocks) and boxes(shown)[0]["initial_options"]
    assert f"done by <@{room.people.bob}>" in json.dumps(shown.blocks)
    # the detection steps required are done: the containment checklist follows
    assert any("Containment" in str(m.blocks) for m in checklists(room, channel))
    logged = [e.text for e in room.rows(TimelineEntry) if e.kind == "step"]
    assert logged == ["Step confirm-drop done: Confirm the metric drop and when it began"]


async def test_two_people_ticking_one_step_at_once_make_one_entry(room: Warroom) -> None:
    channel = await declared(room)
    [detection] = checklists(room, channel)
    await asyncio.gather(
        tick(room, detection, ["confirm-drop"], room.people.bob),
        tick(room, detection, ["confirm-drop"], room.people.carol),
    )
    await room.settle()
    assert len([e for e in room.rows(TimelineEntry) if e.kind == "step"]) == 1


async def test_a_gate_refuses_until_its_steps_are_done(room: Warroom) -> None:
    channel = await declared(room)
    refused = await room.command("status contained", channel=channel)
    await room.settle()
    assert "can't move to `contained` yet" in refused.everything
    for step in ("confirm-drop", "fallback", "freeze-pipeline"):
        assert f"`{step}`" in refused.everything
    assert room.rows(Incident)[0].status == "investigating"
    for step in ("confirm-drop", "fallback", "freeze-pipeline"):
        await room.command(f"step {step} done", channel=channel)
    await room.settle()
    await room.command("status contained fallback is serving", channel=channel)
    await room.settle()
    assert room.rows(Incident)[0].status == "contained"
    assert any("Remediation" in str(m.blocks) for m in checklists(room, channel))


async def test_only_the_commander_overrides_a_gate_and_it_shows_in_every_update(
    room: Warroom,
) -> None:
    channel = await declared(room)
    bob = await room.command(
        "status contained --override losses", channel=channel, user=room.people.bob
    )
    await room.settle()
    assert "only the commander" in bob.everything and room.rows(GateOverride) == []
    await room.command(
        "status contained --override fallback serving, freeze under way", channel=channel
    )
    await room.settle()
    assert room.rows(Incident)[0].status == "contained"
    [override] = room.rows(GateOverride)
    assert override.open_steps == ["confirm-drop", "fallback", "freeze-pipeline"]
    [decision] = room.rows(Decision)
    assert (decision.status, decision.outcome, decision.decided_by) == (
        "decided",
        "Override",
        room.people.alice,
    )
    assert "fallback serving, freeze under way" in decision.rationale
    await room.tick(30)
    technical = room.said(channel, ":mega: *INC-1 update*")
    assert "Gate passed with steps open" in technical and "freeze-pipeline" in technical
    business = room.texts(room.audience_channels["biz-updates"])[-1]
    assert "3 checklist steps still open (D-1)" in business and "freeze-pipeline" not in business
    assert "Remediation: fixing the cause" in business


async def test_evidence_ticks_the_step_waiting_for_it(room: Warroom) -> None:
    channel = await declared(room)
    bad = await room.command("evidence photo s3://x", channel=channel)
    await room.command(
        "evidence dataset s3://snapshots/fraud/2026-11-30T02 inputs of the bad window",
        channel=channel,
    )
    await room.settle()
    listed = await room.command("evidence", channel=channel)
    await room.settle()
    assert "not `photo`" in bad.everything
    assert "E-1" in listed.everything and "s3://snapshots/fraud" in listed.everything
    [state] = room.rows(StepState)
    assert (state.step_id, state.note) == ("snapshot", "E-1")
    assert ":paperclip: *E-1* dataset" in room.said(channel, "E-1")


async def test_hypotheses_are_raised_moved_and_shown_to_engineers(room: Warroom) -> None:
    channel = await declared(room)
    for said in (
        "hypothesis upstream schema change nulled transaction_amount",
        "hypothesis H-1 confirmed nulls since the 02:00 ETL run",
        "hypothesis label delay",
        "hypothesis H-2 ruled-out labels arrived on time",
    ):
        await room.command(said, channel=channel)
        await room.settle()  # each builds on the one before
    missing = await room.command("hypothesis H-9 confirmed x", channel=channel)
    listed = await room.command("hypotheses", channel=channel)
    await room.settle()
    assert "has no H-9" in missing.everything
    assert "H-1* confirmed" in listed.everything and "H-2* ruled-out" in listed.everything
    await room.tick(30)
    technical = room.said(channel, ":mega: *INC-1 update*")
    listed_line = technical.split("*Hypotheses:*", 1)[1].split("\\n", 1)[0]
    assert "H-1 confirmed" in listed_line and "label delay" not in listed_line


async def test_the_remediation_menu_proposes_a_decision(room: Warroom) -> None:
    channel = await declared(room)
    menu = await room.command("remediation", channel=channel)
    await room.settle()
    assert "Retrain on fresh data" in menu.everything and "keep v41" in menu.everything
    body = {
        "type": "block_actions",
        "user": {"id": room.people.bob, "username": "bob", "name": "bob", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "team": {"id": "T0TEAM", "domain": "fake"},
        "channel": {"id": channel, "name": "inc"},
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": True},
        "trigger_id": room.fake.issue_trigger_id(),
        "response_url": room.fake.new_response_url(),
        "state": {
            "values": {
                "remediation_options": {
                    "remediation_choice": {
                        "type": "checkboxes",
                        "selected_options": [{"value": "recalibrate"}],
                    }
                }
            }
        },
        "actions": [
            {
                "type": "button",
                "action_id": "remediation_propose",
                "block_id": "remediation_options",
                "value": json.dumps({"playbook": "model-drift"}),
                "action_ts": "1795312900.000200",
            }
        ],
    }
    await room.interact(body)
    await room.settle()
    [decision] = room.rows(Decision)
    assert decision.question.startswith("Remediate with: Recalibrate thresholds")
    assert decision.owner == room.people.alice and decision.asked_by == room.people.bob


async def test_the_playbook_comes_from_the_catalog_and_stays_as_attached(
    room: Warroom,
) -> None:
    channel = await declared(room, " --affects fraud-scorer")
    [attached] = room.rows(IncidentPlaybook)
    assert attached.name == "model-drift"
    edited = replace(DRIFT, phases=DRIFT.phases[:1], sha256="b" * 64)  # the file changes
    room.app.ctx.playbooks = {DRIFT.name: edited}
    await room.command("status contained", channel=channel)  # the running incident's gates
    refused = await room.command("status contained", channel=channel)
    await room.settle()
    assert "`fallback`" in refused.everything  # the containment steps the file no longer has
    assert room.rows(IncidentPlaybook)[0].sha256 == "a" * 64


async def test_unknown_playbooks_and_steps_are_refused_helpfully(room: Warroom) -> None:
    none = await room.command("declare sev2 Drift --playbook drfit")
    await room.settle()
    assert "There is no playbook `drfit`" in none.everything and room.rows(Incident) == []
    channel = await declared(room)
    step = await room.command("step nope done", channel=channel)
    await room.settle()
    assert "`nope` is not a step of model-drift" in step.everything


async def test_the_declare_form_offers_the_playbooks(room: Warroom) -> None:
    await room.command("declare")
    await room.settle()
    view = room.fake.calls_to("views.open")[-1].args["view"]
    select = next(b for b in view["blocks"] if b["block_id"] == "playbook")["element"]
    assert [o["value"] for o in select["options"]] == ["model-drift"]
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Fraud precision dropped"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev2"}}},
        "playbook": {
            "playbook": {"type": "static_select", "selected_option": {"value": "model-drift"}}
        },
    }
    body = slack_requests.view_submission_body(
        "declare_incident", state, private_metadata=view["private_metadata"]
    )
    await room.post(body)
    await room.settle()
    assert [p.name for p in room.rows(IncidentPlaybook)] == ["model-drift"]
