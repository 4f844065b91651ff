"""A form's private_metadata comes back as sent: the incident it names is checked against who
submits it, and replies only ever go to Slack's own response_url host."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest

from app.config import parse_config
from app.persistence.tables import Decision, Incident, UpdateDraft
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, config=parse_config({"admins": ["U0ADMIN01"]}))
    await warroom.start()
    yield warroom
    await warroom.stop()


async def public_and_private(warroom: Warroom) -> tuple[str, str]:
    """INC-1, public, Alice's; INC-2, private, Bob's (Alice is not in its channel)."""
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.command(
        "declare sev2 Model leaking personal data --private", user=warroom.people.bob
    )
    await warroom.settle()
    public, private = warroom.incident_channel(1).id, warroom.incident_channel(2).id
    assert warroom.people.alice not in warroom.fake.channel(private).members
    return str(public), str(private)


def pointed_at(view: dict, **metadata: object) -> dict:
    return {**view, "private_metadata": json.dumps(metadata)}


async def test_an_update_form_pointed_at_a_private_incident_is_refused(room: Warroom) -> None:
    p = room.people
    public, private = await public_and_private(room)
    form = await room.open_update_form(public, user=p.alice)
    forged = pointed_at(form, channel_id=private)
    refused = await room.submit_update_form(forged, user=p.alice, audiences=["technical"])
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert "INC-2 is private" in json.dumps(answer["errors"])
    await room.settle()
    assert [d.incident_id for d in room.rows(UpdateDraft)] == []
    # Its members still use the form as before.
    own = await room.open_update_form(private, user=p.bob)
    allowed = await room.submit_update_form(own, user=p.bob, audiences=["technical"])
    assert allowed.json()["response_action"] == "push"


async def test_a_decision_form_pointed_at_a_private_incident_is_refused(room: Warroom) -> None:
    public, private = await public_and_private(room)
    await room.command("decision", channel=public)
    await room.settle()
    form = room.fake.calls_to("views.open")[-1].args["view"]
    state = {"question": {"question": {"type": "plain_text_input", "value": "Tell the DPO?"}}}
    refused = await room.submit_view(pointed_at(form, channel_id=private), state)
    await room.settle()
    assert "INC-2 is private" in refused.json()["errors"]["question"]
    assert room.rows(Decision) == []


async def test_a_rationale_form_for_a_private_incidents_decision_is_refused(
    room: Warroom,
) -> None:
    """Even an admin, who may decide anywhere they can see, is not let into a private
    incident they are not in by a form naming its decision."""
    p = room.people
    _, private = await public_and_private(room)
    await room.command("decision Tell the DPO?", user=p.bob, channel=private)
    await room.settle()
    [decision] = room.rows(Decision)
    forged = {"callback_id": "decision_rationale"}
    forged = pointed_at(forged, d=decision.id, o="Approve")
    state = {"rationale": {"rationale": {"type": "plain_text_input", "value": "because"}}}
    refused = await room.submit_view(forged, state, user=p.admin)
    await room.settle()
    assert "INC-2 is private" in refused.json()["errors"]["rationale"]
    [decision] = room.rows(Decision)
    assert decision.status == "pending"


async def test_a_reply_is_never_posted_to_a_response_url_on_another_host(
    warroom: Warroom, caplog: pytest.LogCaptureFixture
) -> None:
    await warroom.command("declare")
    await warroom.settle()
    form = warroom.fake.calls_to("views.open")[-1].args["view"]
    ours = warroom.fake.new_response_url()
    elsewhere = ours.replace("127.0.0.1", "localhost")  # the same server, another host name
    forged = pointed_at(form, response_url=elsewhere, channel_id=warroom.general)
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Drift on amount"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev3"}}},
    }
    with caplog.at_level(logging.WARNING):
        await warroom.submit_view(forged, state)
        await warroom.settle()
    assert warroom.fake.responses[ours] == []  # nothing reached it
    assert len(warroom.rows(Incident)) == 1
    dm = warroom.fake.im_with(warroom.people.alice)  # the reply went by DM instead
    assert dm is not None and "INC-1" in warroom.texts(dm.id)[-1]
    refusals = [r.getMessage() for r in caplog.records if "response_url" in r.getMessage()]
    assert refusals == ["refused a reply to a response_url on 'localhost': not a Slack host"]
    assert elsewhere.split("/")[-1] not in caplog.text  # the secret path is never logged
