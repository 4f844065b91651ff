"""The buttons on alert messages, pressed the way Slack sends them: take command of an incident
declared from an alert, settle a proposal (declare, attach, dismiss with a reason), and split a
correlated alert into its own incident."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import parse_config
from app.persistence.tables import (
    AlertLink,
    AlertProposal,
    Incident,
    RoleAssignment,
    TimelineEntry,
)
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, Warroom, message_text
from tests.integration.alert_bodies import alertmanager, am_alert

DATA, ML, RISK, PUBLISHER = "U0DATA001", "U0ML00001", "U0RISK001", "U0PUBL001"
TRIAGE = "ml-alerts"
STARTED = datetime(2026, 11, 22, 1, 52, tzinfo=UTC)  # the harness clock starts at 02:00

CONFIG: dict[str, Any] = {
    "admins": ["U0ADMIN01"],
    "alerts": {
        "triage_channel": f"#{TRIAGE}",
        "rules": [
            {"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"},
            {"match": {"severity": "warning"}, "action": "propose", "severity": "sev2"},
        ],
    },
    "business_functions": {"risk": {"name": "Fraud & risk", "owners": [RISK]}},
    "catalog": {
        "fs-online": {"kind": "feature_store", "owners": [DATA]},
        "fraud-scorer": {
            "kind": "model",
            "owners": [ML],
            "depends_on": ["fs-online"],
            "serves": ["risk"],
        },
        "kyc-checker": {"kind": "service", "owners": [RISK]},
    },
}


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, config=parse_config(CONFIG), alerts_token=ALERTS_TOKEN)
    await warroom.start()
    for user, name in [(DATA, "dev"), (ML, "mel"), (RISK, "rita"), (PUBLISHER, "pat")]:
        fake.add_user(user, name)
    p = warroom.people
    fake.add_channel(TRIAGE, members=[p.alice, p.bob, p.carol, p.dana, ML])
    yield warroom
    await warroom.stop()


async def fire(
    room: Warroom,
    summary: str,
    *,
    model: str,
    severity: str = "warning",
    fingerprint: str | None = None,
    value: str | None = None,
) -> None:
    """Alertmanager's webhook with one firing alert, through the real route."""
    alert = am_alert(
        "ModelAlert",
        model=model,
        severity=severity,
        fingerprint=fingerprint or f"fp-{model}",
        starts_at=STARTED.isoformat().replace("+00:00", "Z"),
        summary=summary,
        value=value,
    )
    response = await room.alert("alertmanager", alertmanager(alert))
    assert response.status_code in (200, 202), response.text
    await room.settle()


def triage(room: Warroom) -> str:
    channel = room.fake.channel_by_name(TRIAGE)
    assert channel is not None
    return str(channel.id)


def newest(room: Warroom, channel: str, fragment: str) -> Any:
    """The newest message in `channel` whose text or blocks contain `fragment`."""
    for message in reversed(room.fake.messages(channel)):
        if fragment in message_text(message):
            return message
    raise AssertionError(f"nothing in {channel} says {fragment!r}")


def told(room: Warroom, response_url: str) -> str:
    return json.dumps(room.fake.responses.get(response_url, []), ensure_ascii=False)


def commander(room: Warroom, number: int) -> str | None:
    held = [
        a.user_id
        for a in room.rows(RoleAssignment)
        if a.incident_id == number and a.role == "commander" and a.ended_at is None
    ]
    return held[0] if held else None


def incident(room: Warroom, number: int) -> Incident:
    return next(i for i in room.rows(Incident) if i.id == number)


# --- take command -----------------------------------------------------------------------------


async def test_an_owner_takes_command_and_every_call_gives_way(room: Warroom) -> None:
    p = room.people
    await fire(room, "Fraud precision dropped", model="fraud-scorer", severity="critical")
    channel = room.incident_channel(1).id
    call_in_triage = newest(room, triage(room), "nobody commands it yet")
    call_in_channel = newest(room, channel, "nobody commands it yet")
    assert f"<@{ML}>" in message_text(call_in_triage)  # the model's owner is asked
    assert commander(room, 1) is None

    _, refused = await room.press(call_in_triage, "Take command", user=p.bob)
    await room.settle()
    answer = told(room, refused)
    assert "only the owners of what it affects" in answer
    assert f"<@{ML}>" in answer and f"<@{RISK}>" in answer and "U0ADMIN01" in answer
    assert commander(room, 1) is None

    _, taken = await room.press(call_in_triage, "Take command", user=ML)
    await room.settle()
    assert commander(room, 1) == ML
    assert "You command INC-1 now" in told(room, taken)
    for where in (triage(room), channel):
        redrawn = message_text(newest(room, where, "took command"))
        assert f"<@{ML}> took command" in redrawn and "Take command" not in redrawn
    assert "nobody commands it yet" not in "\n".join(room.texts(channel))
    notices = room.texts(channel)
    assert any("Commander" in t and ML in t for t in notices)  # the RoleAssigned notice
    dm = room.fake.im_with(ML)
    assert dm is not None and room.fake.messages(dm.id)  # the commander's instructions
    logged = [e.text for e in room.rows(TimelineEntry) if e.kind == "role"]
    assert any(ML in t for t in logged)

    _, late = await room.press(call_in_channel, "Take command", user=RISK)
    await room.settle()
    assert f"<@{ML}> already commands INC-1" in told(room, late)
    assert commander(room, 1) == ML


async def test_admins_and_publishers_may_take_command_too(fake: FakeSlack, sqlite_url: str) -> None:
    config = parse_config({**CONFIG, "publishers": [PUBLISHER]})
    room = Warroom(fake, sqlite_url, config=config, alerts_token=ALERTS_TOKEN)
    await room.start()
    try:
        fake.add_user(ML, "mel")
        fake.add_user(RISK, "rita")
        fake.add_user(PUBLISHER, "pat")
        fake.add_channel(TRIAGE, members=[room.people.alice])
        await fire(room, "Fraud precision dropped", model="fraud-scorer", severity="critical")
        await fire(room, "KYC checks failing", model="kyc-checker", severity="critical")
        await room.press(newest(room, triage(room), "precision"), "Take command", user=PUBLISHER)
        await room.press(newest(room, triage(room), "KYC"), "Take command", user=room.people.admin)
        await room.settle()
        assert (commander(room, 1), commander(room, 2)) == (PUBLISHER, room.people.admin)
        # Pressed in the triage channel: now in the war room they command.
        assert PUBLISHER in fake.channel(room.incident_channel(1).id).members
        assert room.people.admin in fake.channel(room.incident_channel(2).id).members
    finally:
        await room.stop()


async def test_anyone_may_take_command_when_nothing_in_the_catalog_was_named(
    room: Warroom,
) -> None:
    await fire(room, "Batch scoring job failed", model="nightly-batch", severity="critical")
    assert "you own what it affects" not in message_text(newest(room, triage(room), "nobody"))
    call = newest(room, triage(room), "nobody commands it yet")
    await room.press(call, "Take command", user=room.people.dana)
    await room.settle()
    assert commander(room, 1) == room.people.dana


async def test_an_admin_naming_the_commander_answers_the_call(room: Warroom) -> None:
    await fire(room, "Fraud precision dropped", model="fraud-scorer", severity="critical")
    channel = room.incident_channel(1).id
    await room.command(f"assign commander <@{ML}>", channel=channel, user=room.people.admin)
    await room.settle()
    assert commander(room, 1) == ML
    assert f"<@{ML}> took command" in message_text(newest(room, triage(room), "took command"))


# --- proposals --------------------------------------------------------------------------------


async def test_declaring_a_proposal_makes_one_incident_commanded_by_the_presser(
    room: Warroom,
) -> None:
    p = room.people
    await fire(room, "Fraud scorer PSI high", model="fraud-scorer")
    proposed = newest(room, triage(room), "Proposed incident")
    presses = [room.press(proposed, "Declare SEV2", user=u) for u in (p.carol, p.dana)]
    (_, first), (_, second) = await asyncio.gather(*presses)
    await room.settle()

    [made] = room.rows(Incident)
    winner = made.declared_by
    loser_url = second if winner == p.carol else first
    assert winner in (p.carol, p.dana) and commander(room, 1) == winner
    assert (made.severity, made.title) == ("sev2", "Fraud scorer PSI high")
    assert made.detected_by == "alert:alertmanager"
    assert made.started_at is not None and made.started_at.replace(tzinfo=UTC) == STARTED
    assert f"Already declared as INC-1 by <@{winner}>" in told(room, loser_url)
    [link] = room.rows(AlertLink)
    assert (link.incident_id, link.how) == (1, "declared")
    [proposal] = room.rows(AlertProposal)
    assert (proposal.status, proposal.incident_id, proposal.settled_by) == ("declared", 1, winner)

    settled = message_text(newest(room, triage(room), "Proposed incident"))
    assert f"Declared as INC-1 by <@{winner}>" in settled and "Declare SEV2" not in settled
    channel = room.incident_channel(1).id
    assert "Fraud scorer PSI high" in room.said(channel, "Alerts:")
    assert "Blast radius" in "\n".join(room.texts(channel))  # as /incident declare --affects
    assert winner in room.fake.channel(channel).members and ML in room.fake.channel(channel).members

    _, later = await room.press(proposed, "Declare SEV2", user=p.bob)
    await room.settle()
    assert "Already declared as INC-1" in told(room, later)
    assert len(room.rows(Incident)) == 1


async def proposed_beside_an_incident(room: Warroom) -> Any:
    """A proposal for fraud-scorer, then INC-1 declared on it by hand: the alert's next
    repeat redraws the proposal, now offering to attach it."""
    await fire(room, "Fraud scorer latency p99 high", model="fraud-scorer", value="1.2s")
    assert "Attach to" not in message_text(newest(room, triage(room), "Proposed incident"))
    await room.command("declare sev2 Fraud scorer misbehaving --affects fraud-scorer")
    await room.settle()
    await fire(room, "Fraud scorer latency p99 high", model="fraud-scorer", value="1.9s")
    proposed = newest(room, triage(room), "Proposed incident")
    assert "Attach to INC-1" in message_text(proposed)
    return proposed


async def test_attaching_a_proposal_folds_it_into_the_open_incident(room: Warroom) -> None:
    p = room.people
    proposed = await proposed_beside_an_incident(room)
    _, url = await room.press(proposed, "Attach to INC-1", user=p.bob)
    await room.settle()

    [link] = room.rows(AlertLink)
    assert (link.incident_id, link.how) == (1, "attached")
    assert len(room.rows(Incident)) == 1
    attached = [e.text for e in room.rows(TimelineEntry) if e.kind == "alert"]
    assert any("Fraud scorer latency p99 high" in t for t in attached)
    channel = room.incident_channel(1).id
    assert "Fraud scorer latency p99 high" in room.said(channel, "Alerts:")
    assert f"Attached to INC-1 by <@{p.bob}>" in message_text(
        newest(room, triage(room), "Proposed incident")
    )
    assert told(room, url) == "[]"  # the redrawn message says it: no extra reply


async def test_a_resolved_incident_takes_no_attached_alert(room: Warroom) -> None:
    proposed = await proposed_beside_an_incident(room)
    channel = room.incident_channel(1).id
    await room.command("resolve back to normal", channel=channel)
    await room.settle()
    assert incident(room, 1).status == "resolved"

    _, url = await room.press(proposed, "Attach to INC-1", user=room.people.bob)
    await room.settle()
    assert "INC-1 is resolved" in told(room, url)
    [proposal] = room.rows(AlertProposal)
    assert proposal.status == "open" and room.rows(AlertLink)[0].incident_id is None


async def test_dismissing_asks_why_and_keeps_repeats_folded(room: Warroom) -> None:
    p = room.people
    await fire(room, "Churn model drift", model="fraud-scorer", value="PSI 0.31")
    proposed = newest(room, triage(room), "Proposed incident")
    await room.press(proposed, "Dismiss", user=p.bob)
    await room.settle()
    form = room.fake.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == "alert_dismiss_modal" and "Churn model drift" in json.dumps(form)

    def reason(text: str) -> dict[str, Any]:
        return {"reason": {"reason": {"type": "plain_text_input", "value": text}}}

    empty = await room.submit_view(form, reason("   "), user=p.bob)
    assert "Say why" in empty.json()["errors"]["reason"]
    forged = {**form, "private_metadata": json.dumps({"proposal": "1; drop table"})}
    refused = await room.submit_view(forged, reason("noise"), user=p.bob)
    assert "out of date" in refused.json()["errors"]["reason"]
    assert room.rows(AlertProposal)[0].status == "open"

    done = await room.submit_view(
        form, reason("Known noise during the <nightly> backfill"), user=p.bob
    )
    await room.settle()
    assert done.status_code == 200 and not done.content
    [proposal] = room.rows(AlertProposal)
    assert (proposal.status, proposal.settled_by) == ("dismissed", p.bob)
    assert proposal.reason == "Known noise during the <nightly> backfill"
    [link] = room.rows(AlertLink)
    assert link.proposal_id == proposal.id and link.incident_id is None  # repeats stay folded
    shown = message_text(newest(room, triage(room), "Proposed incident"))
    assert f"Dismissed by <@{p.bob}>: Known noise during the &lt;nightly&gt; backfill" in shown
    assert "Declare SEV2" not in shown

    again = await room.submit_view(form, reason("twice"), user=p.carol)
    assert "Already dismissed" in again.json()["errors"]["reason"]
    _, url = await room.press(proposed, "Declare SEV2", user=p.carol)
    await room.settle()
    assert "Already dismissed" in told(room, url) and room.rows(Incident) == []

    # Still firing: its repeats are not proposed again.
    await fire(room, "Churn model drift", model="fraud-scorer", value="PSI 0.35")
    assert len(room.rows(AlertProposal)) == 1 and room.rows(Incident) == []
    assert sum("Proposed incident" in t for t in room.texts(triage(room))) == 1


async def test_a_dismiss_form_pointed_at_a_settled_proposal_changes_nothing(room: Warroom) -> None:
    p = room.people
    await fire(room, "Fraud scorer PSI high", model="fraud-scorer")
    await fire(room, "KYC score drift", model="kyc-checker")
    first = newest(room, triage(room), "PSI high")
    second = newest(room, triage(room), "KYC score drift")
    await room.press(first, "Declare SEV2", user=p.carol)
    await room.press(second, "Dismiss", user=p.bob)
    await room.settle()
    form = room.fake.calls_to("views.open")[-1].args["view"]
    declared = next(x for x in room.rows(AlertProposal) if x.status == "declared")
    forged = {**form, "private_metadata": json.dumps({"proposal": declared.id})}
    state = {"reason": {"reason": {"type": "plain_text_input", "value": "noise"}}}
    answer = await room.submit_view(forged, state, user=p.bob)
    assert "Already declared as INC-1" in answer.json()["errors"]["reason"]
    assert next(x for x in room.rows(AlertProposal) if x.id == declared.id).reason == ""


# --- split ------------------------------------------------------------------------------------


async def split_press(room: Warroom, message: Any, user: str) -> str:
    """Press the Split button beside the first alert that has one."""
    block = next(b for b in message.blocks if (b.get("accessory") or {}).get("type") == "button")
    button = block["accessory"]
    url = room.fake.new_response_url()
    body = slack_requests.block_actions_body(
        action_id=button["action_id"],
        value=button["value"],
        user_id=user,
        channel_id=message.channel,
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
        trigger_id=room.fake.issue_trigger_id(),
        response_url=url,
    )
    await room.post(body)
    await room.settle()
    return url


async def test_the_commander_splits_a_correlated_alert_into_its_own_incident(
    room: Warroom,
) -> None:
    p = room.people
    await room.command("declare sev1 Online feature store down --affects fs-online")
    await room.settle()
    await fire(room, "Fraud scorer PSI high", model="fraud-scorer")  # downstream: joins INC-1
    channel = room.incident_channel(1).id
    alerts = newest(room, channel, "Alerts:")
    assert "Split into its own incident" in message_text(alerts)

    refused = await split_press(room, alerts, p.bob)
    assert "only the commander (<@U0ALICE01>)" in told(room, refused)
    assert len(room.rows(Incident)) == 1

    await split_press(room, alerts, p.alice)
    [_, new] = sorted(room.rows(Incident), key=lambda i: i.id or 0)
    assert (new.id, new.severity, new.declared_by) == (2, "sev2", p.alice)
    assert new.detected_by == "alert:alertmanager" and commander(room, 2) == p.alice
    [link] = room.rows(AlertLink)
    assert (link.incident_id, link.how) == (2, "declared")
    logged = {(e.incident_id, e.text) for e in room.rows(TimelineEntry) if e.kind == "alert"}
    assert (1, "Split Fraud scorer PSI high into INC-2") in logged
    assert (2, "Split from INC-1") in logged
    before = message_text(newest(room, channel, "Alerts:"))
    assert "Fraud scorer PSI high" not in before and "0 firing of 0" in before
    after = room.said(room.incident_channel(2).id, "Alerts:")
    assert "Fraud scorer PSI high" in after and "Split into" not in after
    assert "Blast radius" in "\n".join(room.texts(room.incident_channel(2).id))


async def test_an_admin_may_split_and_the_menu_splits_too(room: Warroom) -> None:
    await room.command("declare sev1 Online feature store down --affects fs-online")
    await room.settle()
    await fire(room, "Fraud scorer PSI high", model="fraud-scorer")
    alerts = newest(room, room.incident_channel(1).id, "Alerts:")
    body = slack_requests.block_actions_body(
        action_id="alert_split_menu",
        action_type="static_select",
        user_id=room.people.admin,
        channel_id=alerts.channel,
        message={"ts": alerts.ts, "text": alerts.text, "blocks": alerts.blocks},
        trigger_id=room.fake.issue_trigger_id(),
        response_url=room.fake.new_response_url(),
        extra_action={"selected_option": {"value": "alertmanager:fp-fraud-scorer"}},
    )
    await room.post(body)
    await room.settle()
    assert len(room.rows(Incident)) == 2 and commander(room, 2) == room.people.admin


# --- escaping ---------------------------------------------------------------------------------


async def test_a_hostile_alert_title_is_shown_as_text(room: Warroom) -> None:
    await fire(room, "<!channel> fraud & <https://evil.example|click>", model="fraud-scorer")
    shown = message_text(newest(room, triage(room), "Proposed incident"))
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert "&lt;!channel&gt; fraud &amp; &lt;https://evil.example|click&gt;" in shown


async def test_a_button_carrying_something_else_is_called_out_of_date(room: Warroom) -> None:
    for action_id, value in [
        ("take_command", "INC-1"),
        ("alert_declare", "1 OR 1=1"),
        ("alert_attach:0", '{"proposal": 1}'),
        ("alert_dismiss", ""),
    ]:
        url = room.fake.new_response_url()
        body = slack_requests.block_actions_body(
            action_id=action_id,
            value=value,
            user_id=room.people.bob,
            channel_id=triage(room),
            trigger_id=room.fake.issue_trigger_id(),
            response_url=url,
        )
        assert (await room.post(body)).status_code == 200
        await room.settle()
        assert "That button is out of date." in told(room, url), action_id
    assert room.rows(Incident) == [] and room.fake.calls_to("views.open") == []


async def test_a_forged_take_command_cannot_seize_an_incident_a_person_declared(
    room: Warroom,
) -> None:
    await room.command("declare sev2 Checkout model slow")
    await room.settle()
    url = room.fake.new_response_url()
    body = slack_requests.block_actions_body(
        action_id="take_command",
        value="1",
        user_id=room.people.dana,
        channel_id=room.incident_channel(1).id,
        trigger_id=room.fake.issue_trigger_id(),
        response_url=url,
    )
    assert (await room.post(body)).status_code == 200
    await room.settle()
    assert commander(room, 1) == room.people.alice  # the declarer still commands
