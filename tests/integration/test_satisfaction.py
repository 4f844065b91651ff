""" "Was this useful?" under business and executive updates: pressed through signed
block_actions, one vote per person per update, a changed mind replaces the vote."""

from __future__ import annotations

import json
from typing import Any

from app.persistence.tables import StatusUpdate, UpdateVote
from app.slack.blocks.satisfaction import USEFUL_ACTION
from tests.fakes import requests as slack_requests
from tests.harness import Warroom


def has_buttons(message: Any) -> bool:
    return "Was this useful?" in json.dumps(message.blocks or [])


async def test_votes_on_a_business_update_once_per_person(warroom: Warroom) -> None:
    await warroom.command("declare sev1 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await warroom.tick(30)  # the automatic round: technical, business, executive

    [business] = warroom.fake.messages(warroom.audience_channels["biz-updates"])
    [executive] = warroom.fake.messages(warroom.audience_channels["exec-updates"])
    assert has_buttons(business) and has_buttons(executive)
    technical = [m for m in warroom.fake.messages(channel) if "*INC-1 update*" in (m.text or "")]
    assert technical and not any(has_buttons(m) for m in technical)  # engineers are not asked

    bob, carol = warroom.people.bob, warroom.people.carol
    response, reply_to = await warroom.press(business, "👍", user=bob)
    assert response.status_code == 200
    await warroom.settle()
    assert "noted that this update was useful" in json.dumps(warroom.fake.responses[reply_to])
    await warroom.press(business, "👍", user=bob)  # the same vote again: still one
    await warroom.press(business, "👍", user=carol)
    _, changed = await warroom.press(business, "👎", user=bob)  # bob changes his mind
    await warroom.press(executive, "👍", user=bob)
    await warroom.settle()
    assert "Your vote is changed" in json.dumps(warroom.fake.responses[changed])

    [update] = warroom.rows(StatusUpdate)
    votes = {(v.audience, v.user_id): v.useful for v in warroom.rows(UpdateVote)}
    assert votes == {
        ("business", bob): False,
        ("business", carol): True,
        ("executive", bob): True,
    }
    assert all(v.update_id == update.id for v in warroom.rows(UpdateVote))


async def test_a_forged_vote_is_refused_and_not_stored(warroom: Warroom) -> None:
    await warroom.command("declare sev1 Fraud model precision dropped 15%")
    await warroom.settle()
    await warroom.tick(30)
    [update] = warroom.rows(StatusUpdate)
    for value in (
        json.dumps({"u": update.id, "a": "technical"}),  # engineers are not asked
        json.dumps({"u": update.id + 99, "a": "business"}),  # no such update
        "not json",
    ):
        response_url = warroom.fake.new_response_url()
        body = slack_requests.block_actions_body(
            action_id=USEFUL_ACTION,
            value=value,
            block_id="feedback",
            user_id=warroom.people.bob,
            channel_id=warroom.audience_channels["biz-updates"],
            message={"ts": "1.0", "text": "forged", "blocks": []},
            trigger_id=warroom.fake.issue_trigger_id(),
            response_url=response_url,
        )
        assert (await warroom.post(body)).status_code == 200
        await warroom.settle()
        answer = json.dumps(warroom.fake.responses[response_url])
        assert "cannot be voted on" in answer or "not one of Warroom's" in answer
    assert warroom.rows(UpdateVote) == []
