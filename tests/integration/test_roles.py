"""Roles: assigning, taking a free role, handing over, freeing, and who may do what."""

from __future__ import annotations

import json

import pytest

from app.config import parse_config
from app.persistence.tables import RoleAssignment
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom


async def declared(warroom: Warroom) -> str:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    return warroom.incident_channel(1).id


def holders(warroom: Warroom) -> dict[str, str]:
    return {a.role: a.user_id for a in warroom.rows(RoleAssignment) if a.ended_at is None}


@pytest.fixture
async def ml_warroom(fake: FakeSlack, sqlite_url: str):  # type: ignore[no-untyped-def]
    config = parse_config(
        {
            "roles": {
                "model-owner": {
                    "description": "Owns the fraud model in production",
                    "instructions": "Decide on rollback to the previous model version.",
                }
            },
            "admins": ["U0ADMIN01"],
        }
    )
    room = Warroom(fake, sqlite_url, config=config)
    await room.start()
    yield room
    await room.stop()


async def test_the_commander_assigns_a_role(ml_warroom: Warroom) -> None:
    room, p = ml_warroom, ml_warroom.people
    channel = await declared(room)
    await room.command(f"assign model-owner <@{p.bob}|bob>", channel=channel)
    await room.settle()

    assert holders(room)["model-owner"] == p.bob
    assert p.bob in room.fake.channel(channel).members
    notice = room.texts(channel)[-1]
    assert f"<@{p.bob}> is now *Model Owner*" in notice and f"<@{p.alice}>" in notice
    dm = room.fake.im_with(p.bob)
    assert dm is not None
    instructions = room.texts(dm.id)[-1]
    assert "Decide on rollback to the previous model version." in instructions
    assert "INC-1" in instructions and f"<#{channel}>" in instructions
    kickoff = json.dumps(room.fake.messages(channel)[0].blocks)
    assert f"*Model Owner:* <@{p.bob}>" in kickoff  # the pinned kickoff is kept current


async def test_handing_over_command_updates_topic_and_announcement(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declared(warroom)
    await warroom.command(f"assign commander <@{p.carol}>", channel=channel)
    await warroom.settle()
    assert holders(warroom)["commander"] == p.carol
    assert f"Commander <@{p.carol}>" in warroom.fake.channel(channel).topic
    announcement = warroom.fake.messages(warroom.announcements)[-1]
    assert f"<@{p.carol}>" in json.dumps(announcement.blocks)
    assert announcement.edits, "the announcement is edited in place, not reposted"
    # Alice handed over: she can no longer steer, Carol can.
    refused = await warroom.command("severity sev1 worse", channel=channel)
    await warroom.settle()
    assert f"only the commander (<@{p.carol}>)" in refused.everything


async def test_anyone_may_take_a_free_role_but_not_assign_others(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declared(warroom)
    await warroom.command("assign scribe me", user=p.dana, channel=channel)
    await warroom.settle()
    assert holders(warroom)["scribe"] == p.dana

    taken = await warroom.command("assign scribe me", user=p.bob, channel=channel)
    others = await warroom.command(f"assign comms <@{p.carol}>", user=p.bob, channel=channel)
    await warroom.settle()
    for reply in (taken, others):
        assert f"only the commander (<@{p.alice}>)" in reply.everything
    assert holders(warroom)["scribe"] == p.dana and "comms" not in holders(warroom)


async def test_admins_may_assign_in_any_incident(ml_warroom: Warroom) -> None:
    room, p = ml_warroom, ml_warroom.people
    channel = await declared(room)
    await room.command(f"assign tech-lead <@{p.bob}>", user=p.admin, channel=channel)
    await room.settle()
    assert holders(room)["tech-lead"] == p.bob


async def test_reassigning_keeps_the_history(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declared(warroom)
    await warroom.command(f"assign tech-lead <@{p.bob}>", channel=channel)
    await warroom.settle()
    warroom.clock.advance(__import__("datetime").timedelta(minutes=40))
    await warroom.command(f"assign tech-lead <@{p.carol}>", channel=channel)
    await warroom.settle()

    history = [a for a in warroom.rows(RoleAssignment) if a.role == "tech-lead"]
    assert [(a.user_id, a.ended_at is None) for a in history] == [(p.bob, False), (p.carol, True)]
    assert history[0].ended_at == history[1].started_at
    assert warroom.said(channel, "taking over from")
    roster = await warroom.command("roles", channel=channel)
    text = await roster.wait_for_later(lambda r: "roles" in r)
    assert f"*Tech Lead:* <@{p.carol}>" in text and "*Comms:* _unfilled_" in text
    assert f"<@{p.bob}> held it for 40m" in text


async def test_freeing_roles(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declared(warroom)
    await warroom.command(f"assign comms <@{p.dana}>", channel=channel)
    await warroom.settle()
    refused = await warroom.command("unassign comms", user=p.bob, channel=channel)
    commander = await warroom.command("unassign commander", channel=channel)
    await warroom.settle()
    await warroom.command("unassign comms", user=p.dana, channel=channel)  # her own
    await warroom.settle()
    assert "only the commander" in refused.everything
    assert "never left empty" in commander.everything and "assign commander" in commander.everything
    assert holders(warroom) == {"commander": p.alice}
    assert "is no longer *Comms*" in warroom.texts(channel)[-1]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("assign ceo <@U0BOBBY01>", "Roles: commander, tech-lead, comms, scribe, compliance"),
        ("assign comms bob", "mention them with @"),
        ("assign comms <#C0000000001|general>", "a channel or a group"),
        ("assign comms <@U0HELPER1>", "is a bot"),
        ("assign comms <@U0GONE001>", "deactivated"),
        ("assign comms <@U0NOBODY1>", "can't find"),
        ("assign commander <@U0ALICE01>", "already holds"),
    ],
)
async def test_role_mistakes_get_a_clear_reply_and_change_nothing(
    warroom: Warroom, text: str, says: str
) -> None:
    channel = await declared(warroom)
    before = warroom.rows(RoleAssignment)
    reply = await warroom.command(text, channel=channel)
    await warroom.settle()
    assert says in reply.everything
    assert "Traceback" not in reply.everything
    assert [(a.id, a.ended_at) for a in warroom.rows(RoleAssignment)] == [
        (a.id, a.ended_at) for a in before
    ]
