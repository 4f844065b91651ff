"""Drills end to end, the way Slack drives them: `/incident drill <scenario>` typed in Slack,
the scenario's injects played on the fake clock, an update to every audience, resolve; and
nothing reaching any channel but the drill's own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.config import SHIPPED_DRILLS, parse_config
from app.domain.drills import MARK
from app.domain.durations import humanize
from app.drill_files import Known, read_folder
from app.persistence.tables import (
    AlertLink,
    AlertProposal,
    DrillInject,
    Incident,
    RoleAssignment,
    StatusMilestone,
    StatusUpdate,
    TimelineEntry,
)
from app.services import digest
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, FakeClock, Warroom
from tests.integration.alert_bodies import alertmanager, am_alert

DATA, ML, RISK, SUPPORT, GROWTH = "U0DATA001", "U0ML00001", "U0RISK001", "U0SUPP001", "U0GROW001"
AUDIENCES = ["technical", "business", "executive", "customer", "regulator"]

CONFIG: dict[str, Any] = {
    "admins": ["U0ADMIN01"],
    "business_functions": {
        "risk": {"name": "Fraud & risk", "owners": [RISK]},
        "support": {"name": "Customer support", "owners": [SUPPORT]},
        "retention": {"name": "Retention offers", "owners": [GROWTH]},
    },
    "catalog": {
        "fs-online": {"kind": "feature_store", "owners": [DATA]},
        "fraud-scorer": {
            "kind": "model",
            "owners": [ML],
            "depends_on": ["fs-online"],
            "serves": ["risk"],
            "risk_tier": "critical",
        },
        "churn-model": {"kind": "model", "depends_on": ["fs-online"], "serves": ["retention"]},
        "search-ranker": {"kind": "model", "depends_on": ["fs-online"], "serves": ["support"]},
        "support-chatbot": {"kind": "model", "owners": [ML], "serves": ["support"]},
    },
    "alerts": {
        "triage_channel": "#ml-alerts",
        # Real alerts like the drills' would declare or propose: a drill's must do neither.
        "rules": [{"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"}],
        "default": {"action": "propose", "severity": "sev2"},
    },
}


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    room = Warroom(
        fake, sqlite_url, config=parse_config(CONFIG), clock=clock, alerts_token=ALERTS_TOKEN
    )
    for user, name in [
        (DATA, "dev"),
        (ML, "mel"),
        (RISK, "rita"),
        (SUPPORT, "sue"),
        (GROWTH, "gus"),
    ]:
        fake.add_user(user, name)
    room.triage = fake.add_channel("ml-alerts", members=[ML, DATA])  # type: ignore[attr-defined]
    await room.start()
    yield room
    await room.stop()


def drill_incident(room: Warroom) -> Incident:
    [incident] = room.rows(Incident)
    assert incident.drill
    return incident


def texts_everywhere_but(room: Warroom, channel_id: str) -> dict[str, list[str]]:
    """Messages in every channel (not DMs) other than the drill's, by channel name."""
    return {
        c.name: [m.text for m in c.messages]
        for c in room.fake.channels()
        if not c.is_im and c.id != channel_id and c.messages
    }


SCENARIOS = sorted(p.stem for p in SHIPPED_DRILLS.glob("*.yaml"))


def test_the_three_exercises_are_shipped() -> None:
    assert SCENARIOS == [
        "chatbot-harmful-rollback",
        "feature-store-cascade",
        "fraud-precision-drop",
    ]


@pytest.mark.parametrize("name", SCENARIOS)
async def test_a_shipped_drill_runs_end_to_end_inside_its_own_channel(
    room: Warroom, name: str
) -> None:
    alice, bob, carol, dana = (
        room.people.alice,
        room.people.bob,
        room.people.carol,
        room.people.dana,
    )
    scenario = room.app.ctx.drills[name]
    reply = await room.command(f"drill {name}")
    await room.settle()
    assert "Starting the drill" in reply.ack_text
    incident = drill_incident(room)
    channel = str(incident.channel_id)
    assert incident.channel_name and incident.channel_name.startswith("drill-1-")
    assert incident.declared_by == alice and incident.severity == scenario.severity
    assert f"{MARK} " in room.fake.channel(channel).topic
    briefing = room.said(channel, "This is a drill")
    assert "Targets:" in briefing
    assert room.said(channel, "Blast radius")  # shown; its owners are not pulled in
    members = set(room.fake.channel(channel).members)
    assert not members & {DATA, ML, RISK, SUPPORT, GROWTH}

    # The team staffs the roles and speaks to every audience (all of them: in a drill, here).
    for role, person in [("tech-lead", bob), ("comms", dana), ("scribe", carol)]:
        await room.command(f"assign {role} <@{person}>", channel=channel)
        await room.settle()
    await room.tick(1)
    await room.publish_update(
        channel, audiences=AUDIENCES, what_changed="Drill: we are on it", impact="Drill impact"
    )
    await room.command("summary post", channel=channel)
    await room.settle()

    # Every inject, at its offset.
    last = scenario.injects[-1].at
    minutes = int(last.total_seconds() // 60) + 1
    for _ in range(minutes):
        await room.tick(1)
    played = room.rows(DrillInject)
    assert len(played) == len(scenario.injects) and all(i.done_at for i in played)
    for inject in scenario.injects:
        if inject.say:
            assert room.said(channel, f"{MARK} {inject.who}:")
    alert_injects = [i for i in scenario.injects if i.alert]
    assert alert_injects and all(link.source == "drill" for link in room.rows(AlertLink))
    assert {link.incident_id for link in room.rows(AlertLink)} == {incident.id}
    joined = [e.text for e in room.rows(TimelineEntry) if e.kind == "alert"]
    assert joined and "the alert rules would have" in joined[0]

    # Contain and resolve past the playbook's gates (recorded as the commander's overrides).
    await room.command("status contained --override drill: rolled back", channel=channel)
    await room.settle()
    await room.command("status resolved --override drill over", channel=channel)
    await room.settle()

    # Nothing reached any channel but the drill's: no announcement, no audience channel, no
    # triage, and no second (real) incident declared from the injected alerts.
    assert texts_everywhere_but(room, channel) == {}
    assert [i.id for i in room.rows(Incident)] == [incident.id]
    assert room.rows(AlertProposal) == []
    drill_texts = [m.text for m in room.fake.messages(channel)]
    assert drill_texts and all(t.startswith(MARK) for t in drill_texts), [
        t for t in drill_texts if not t.startswith(MARK)
    ]
    dms = [m.text for c in room.fake.channels() if c.is_im for m in c.messages]
    assert any("You are now Tech Lead" in text for text in dms)  # role instructions by DM
    assert all(text.startswith(MARK) for text in dms), dms
    posted = "\n".join(room.texts(channel))
    for words in ("Drill: we are on it", "Drill impact"):
        assert words in posted
    assert "instead of their channels" in posted  # said where the update went

    debrief = room.said(channel, "Drill debrief")
    assert f"`{name}`" in debrief
    declared = incident.declared_at
    first = min(u.at for u in room.rows(StatusUpdate) if not u.automatic)
    assert scenario.targets.first_update and first - declared <= scenario.targets.first_update
    took = humanize(first - declared)
    assert (
        f"Time to first update: {took} (target {humanize(scenario.targets.first_update)}: *met*)"
        in debrief
    )
    staffed = max(a.started_at for a in room.rows(RoleAssignment))
    assert f"Time until every key role was filled: {humanize(staffed - declared)}" in debrief
    assert "Gates: contained overridden (D-1), resolved overridden (D-2)" in debrief
    contained = next(m.reached_at for m in room.rows(StatusMilestone) if m.status == "contained")
    target = scenario.targets.containment
    assert target is not None
    verdict = "met" if contained - incident.declared_at <= target else "missed"
    assert f"Time to containment: {humanize(contained - incident.declared_at)}" in debrief
    assert f"(target {humanize(target)}: *{verdict}*)" in debrief
    assert "Updates on schedule:" in debrief


async def test_drill_alone_lists_the_scenarios_and_an_unknown_one_is_refused(room: Warroom) -> None:
    listed = await room.command("drill")
    await room.settle()
    shown = listed.everything
    for name in SCENARIOS:
        assert f"`{name}`" in shown
    refused = await room.command("drill fraud-precision-dorp")
    await room.settle()
    assert "There is no drill `fraud-precision-dorp`" in refused.everything
    assert "fraud-precision-drop" in refused.everything
    assert room.rows(Incident) == []


async def test_a_real_alert_never_joins_a_drill_on_the_same_system(room: Warroom) -> None:
    await room.command("drill fraud-precision-drop")
    await room.settle()
    drill = drill_incident(room)
    body = alertmanager(am_alert("FraudPrecisionDrop", model="fraud-scorer", severity="critical"))
    response = await room.alert("alertmanager", body)
    assert response.status_code == 200, response.text
    await room.settle()
    real = [i for i in room.rows(Incident) if not i.drill]
    assert len(real) == 1 and real[0].id != drill.id  # declared as its own, real incident
    [link] = room.rows(AlertLink)
    assert link.incident_id == real[0].id
    assert str(room.fake.channel(str(real[0].channel_id)).name).startswith("inc-")


async def test_injects_stop_when_the_drill_is_resolved(room: Warroom) -> None:
    await room.command("drill chatbot-harmful-rollback")
    await room.settle()
    channel = str(drill_incident(room).channel_id)
    await room.tick(2)
    await room.command("status resolved --override stopping early", channel=channel)
    await room.settle()
    before = len(room.fake.messages(channel))
    await room.tick(40)
    assert len(room.fake.messages(channel)) == before
    assert [i.done_at is not None for i in room.rows(DrillInject)].count(True) == 1


async def test_admins_are_reminded_once_when_no_drill_ran_for_90_days(room: Warroom) -> None:
    admin = room.people.admin

    def reminders() -> list[str]:
        im = room.fake.im_with(admin)
        return [m.text for m in im.messages] if im else []

    await room.tick(1)  # the count starts
    room.clock.advance(timedelta(days=89))
    await room.tick(1)
    assert reminders() == []
    room.clock.advance(timedelta(days=1))
    await room.tick(1)
    assert len(reminders()) == 1 and "No incident drill has run for 90 days" in reminders()[0]
    room.clock.advance(timedelta(days=30))
    await room.tick(1)
    assert len(reminders()) == 1  # at most once per 90 days

    await room.command("drill fraud-precision-drop")  # a drill now: the next is 90 days on
    await room.settle()
    room.clock.advance(timedelta(days=89))
    await room.tick(1)
    assert len(reminders()) == 1
    room.clock.advance(timedelta(days=2))
    await room.tick(1)
    assert len(reminders()) == 2


def test_shipped_scenarios_name_shipped_playbooks_and_are_valid() -> None:
    known = Known(
        ["sev1", "sev2", "sev3", "sev4"], ["model-drift", "harmful-output", "feature-store-outage"]
    )
    drills, problems = read_folder(SHIPPED_DRILLS, known)
    assert problems == []
    assert {d.playbook for d in drills.values()} == {
        "model-drift",
        "harmful-output",
        "feature-store-outage",
    }


async def test_app_home_and_the_digest_do_not_count_a_drill_as_an_incident(room: Warroom) -> None:
    await room.command("drill feature-store-cascade")
    await room.settle()
    home = json.dumps(await room.open_home(room.people.bob, event_id="Ev0HOME01"))
    assert "No active incidents" in home and "Drills under way" in home and "INC-1" in home
    with room.app.db.read() as session:
        now = room.clock.now()
        assert digest.compose(room.app.ctx, session, now, now.date()) is None
