"""Declaring an incident, as Slack drives it: signed slash commands and modal submissions."""

from __future__ import annotations

import json

import pytest

from app.persistence.tables import Incident, OutboxMessage, RoleAssignment, TimelineEntry
from tests.fakes import requests as slack_requests
from tests.harness import Warroom


async def test_declaration_opens_a_war_room(warroom: Warroom) -> None:
    alice = warroom.people.alice
    reply = await warroom.command("declare sev1 Fraud model precision dropped 15%")
    assert reply.response.status_code == 200
    assert "Declaring a SEV1 incident" in reply.ack_text
    await warroom.settle()

    channel = warroom.incident_channel(1)
    assert channel.name == "inc-1-fraud-model-precision-dropped-15"
    assert not channel.is_private
    assert alice in channel.members
    assert "SEV1 Critical" in channel.topic and "Investigating" in channel.topic
    assert f"Commander <@{alice}>" in channel.topic

    kickoff = warroom.fake.messages(channel.id)[0]
    assert kickoff.ts in channel.pins
    body = json.dumps(kickoff.blocks)
    assert "INC-1: Fraud model precision dropped 15%" in body
    assert "SEV1 (Critical)" in body and "Investigating" in body
    assert f"*Commander:* <@{alice}>" in body and "*Tech Lead:* _unfilled_" in body
    assert "/incident assign tech-lead" in body

    announcement = warroom.fake.messages(warroom.announcements)[-1]
    shown = json.dumps(announcement.blocks)
    assert f"<#{channel.id}>" in shown and "INC-1" in shown and "SEV1 (Critical)" in shown
    assert f"<@{alice}>" in shown

    link = await reply.wait_for_later(lambda r: channel.id in r)
    assert "INC-1" in link and "commander" in link

    [incident] = warroom.rows(Incident)
    assert (incident.id, incident.status, incident.severity) == (1, "investigating", "sev1")
    assert incident.declared_by == alice and incident.channel_id == channel.id
    [commander] = warroom.rows(RoleAssignment)
    assert (commander.role, commander.user_id, commander.ended_at) == ("commander", alice, None)
    assert [e.kind for e in warroom.rows(TimelineEntry)] == ["declared"]
    assert {row.status for row in warroom.rows(OutboxMessage)} == {"sent"}


async def test_incidents_are_numbered_in_sequence(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Feature store down, three models scoring defaults")
    await warroom.settle()
    await warroom.command("declare sev3 Chatbot release giving harmful answers")
    await warroom.settle()
    assert warroom.incident_channel(1).name.startswith("inc-1-feature-store-down")
    assert warroom.incident_channel(2).name == "inc-2-chatbot-release-giving-harmful-answers"
    assert [i.id for i in warroom.rows(Incident)] == [1, 2]


async def test_a_private_incident_gets_a_private_channel_and_no_announcement(
    warroom: Warroom,
) -> None:
    before = len(warroom.fake.messages(warroom.announcements))
    await warroom.command("declare sev1 Suspected data leak via model outputs --private")
    await warroom.settle()
    channel = warroom.incident_channel(1)
    assert channel.is_private
    assert warroom.people.alice in channel.members
    assert len(warroom.fake.messages(warroom.announcements)) == before


async def test_a_taken_name_gets_a_suffix_even_when_archived(warroom: Warroom) -> None:
    warroom.fake.add_channel("inc-1-model-drift", archived=True)
    warroom.fake.add_channel("inc-1-model-drift-2")
    await warroom.command("declare sev2 Model drift")
    await warroom.settle()
    assert warroom.incident_channel(1).name == "inc-1-model-drift-3"
    [incident] = warroom.rows(Incident)
    assert incident.channel_name == "inc-1-model-drift-3"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("不正検知モデルの精度低下", "inc-1"),
        ("🔥🔥🔥", "inc-1"),
        ("Modèle de crédit: dérive", "inc-1-modele-de-credit-derive"),
    ],
)
async def test_titles_in_other_scripts_get_sensible_names(
    warroom: Warroom, title: str, expected: str
) -> None:
    await warroom.command(f"declare sev3 {title}")
    await warroom.settle()
    assert warroom.incident_channel(1).name == expected


async def test_user_text_can_never_ping_or_template(warroom: Warroom) -> None:
    # Slack sends typed "<" escaped and @channel as markup; both must come out inert.
    await warroom.command("declare sev1 Outage &lt;!channel&gt; <!here> {{ 7*7 }} &amp; more")
    await warroom.settle()
    sent = warroom.outgoing()
    for markup in ("<!channel>", "<!here>", "<!everyone>"):
        assert markup not in sent
    kickoff = warroom.texts(warroom.incident_channel(1).id)[0]
    assert "Outage &lt;!channel&gt; @here {{ 7*7 }}" in kickoff and "{{ 7*7 }}" in sent
    [incident] = warroom.rows(Incident)
    assert incident.title == "Outage <!channel> @here {{ 7*7 }} & more"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("declare sev9 Fraud model down", "sev1, sev2, sev3, sev4"),
        ("declare Fraud model down", "Start with a severity"),
        ("declare sev1", "Add a title"),
        ("declare sev1 " + "x" * 151, "under 150 characters"),
    ],
)
async def test_bad_declarations_get_a_clear_reply_and_create_nothing(
    warroom: Warroom, text: str, says: str
) -> None:
    reply = await warroom.command(text)
    await warroom.settle()
    assert reply.response.status_code == 200
    assert says in reply.everything
    assert "ephemeral" in reply.everything
    assert warroom.rows(Incident) == []
    assert warroom.fake.calls_to("conversations.create") == []


async def test_help_lists_every_subcommand(warroom: Warroom) -> None:
    for text in ("help", "", "frobnicate"):
        reply = await warroom.command(text)
        for sub in (
            "declare",
            "assign",
            "unassign",
            "roles",
            "severity",
            "status",
            "resolve",
            "reopen",
            "note",
            "timeline",
            "update",
        ):
            assert f"/incident {sub}" in reply.ack_text
    assert "I don't know `frobnicate`" in reply.ack_text


async def test_incident_commands_outside_an_incident_channel_say_where_to_go(
    warroom: Warroom,
) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    channel = warroom.incident_channel(1)
    reply = await warroom.command("severity sev1 getting worse")  # typed in #general
    await warroom.settle()
    text = reply.everything
    assert "not one" in text and f"INC-1 <#{channel.id}>" in text
    [incident] = warroom.rows(Incident)
    assert incident.severity == "sev2"


async def test_declare_alone_opens_a_form_that_declares(warroom: Warroom) -> None:
    reply = await warroom.command("declare")
    await warroom.settle()
    [opened] = warroom.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "declare_incident"
    assert {b["block_id"] for b in view["blocks"]} >= {"title", "severity", "affected", "impact"}

    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Fraud <!channel> precision"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev2"}}},
        "affected": {"affected": {"type": "plain_text_input", "value": "fraud-scorer v42"}},
        "impact": {"impact": {"type": "plain_text_input", "value": "False declines up 3x"}},
        "private": {"private": {"type": "checkboxes", "selected_options": []}},
    }
    body = slack_requests.view_submission_body(
        "declare_incident",
        state,
        user_id=warroom.people.bob,
        private_metadata=view["private_metadata"],
    )
    response = await warroom.post(body)
    assert response.status_code == 200 and not response.content
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert (incident.severity, incident.declared_by) == ("sev2", warroom.people.bob)
    assert incident.affected == "fraud-scorer v42" and incident.impact == "False declines up 3x"
    kickoff = json.dumps(warroom.fake.messages(warroom.incident_channel(1).id)[0].blocks)
    assert "fraud-scorer v42" in kickoff and "False declines up 3x" in kickoff
    assert "<!channel>" not in warroom.outgoing()
    assert any("INC-1" in r for r in reply.later)  # the link reaches the form's opener


async def test_an_incomplete_form_is_sent_back_with_errors(warroom: Warroom) -> None:
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "   "}},
        "severity": {"severity": {"type": "static_select", "selected_option": None}},
    }
    body = slack_requests.view_submission_body("declare_incident", state)
    response = await warroom.post(body)
    payload = response.json()
    assert payload["response_action"] == "errors"
    assert set(payload["errors"]) == {"title", "severity"}
    await warroom.settle()
    assert warroom.rows(Incident) == []


async def test_requests_without_a_valid_signature_are_refused(warroom: Warroom) -> None:
    body = slack_requests.slash_command_body("declare sev1 Forged", user_id=warroom.people.bob)
    forged = await warroom.post(body, secret="not-the-secret")
    stale = await warroom.post(body, timestamp=int(__import__("time").time()) - 301)
    assert forged.status_code == 401 and stale.status_code == 401
    await warroom.settle()
    assert warroom.rows(Incident) == []


async def test_healthz_answers_once_the_database_does(warroom: Warroom) -> None:
    response = await warroom.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


async def test_a_title_with_the_word_payload_declares(warroom: Warroom) -> None:
    """Bolt's own body parse takes any form containing "payload" for interactivity."""
    await warroom.command("declare sev2 Payload parser down, scoring payloads dropped")
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert incident.title == "Payload parser down, scoring payloads dropped"
