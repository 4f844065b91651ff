"""Who may speak for the company: typing in an incident channel is not enough to put words in
front of customers, regulators or executives, nor to hand yourself a decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from app.config import parse_config
from app.persistence.tables import RoleAssignment
from app.slack.usergroups import SlackUserGroups
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock, Warroom

COMMS_TEAM = "S0COMMS01"  # a Slack user group: Dana is in it
CUSTOMER, REGULATOR, EXEC = "customer-comms", "regulatory", "exec-updates"


@pytest.fixture
async def publishers(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    """Carol is a publisher by name, Dana through the communications team's user group."""
    config = parse_config({"publishers": ["U0CAROL01", COMMS_TEAM], "admins": ["U0ADMIN01"]})
    room = Warroom(fake, sqlite_url, config=config)
    await room.start()
    fake.add_user_group(COMMS_TEAM, [room.people.dana])
    yield room
    await room.stop()


async def declared(warroom: Warroom, severity: str = "sev1") -> str:
    await warroom.command(f"declare {severity} Fraud model precision dropped 15%")
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


def holders(warroom: Warroom) -> dict[str, str]:
    return {a.role: a.user_id for a in warroom.rows(RoleAssignment) if a.ended_at is None}


def group_lookups(warroom: Warroom) -> int:
    return len(warroom.fake.calls_to("usergroups.users.list"))


# --- taking comms or command ---------------------------------------------------------------


async def test_nobody_takes_comms_or_command_for_themselves(warroom: Warroom) -> None:
    p = warroom.people
    channel = await declared(warroom)
    comms = await warroom.command("assign comms me", user=p.bob, channel=channel)
    command = await warroom.command("assign commander me", user=p.bob, channel=channel)
    await warroom.settle()
    assert "nobody takes the Comms role for themselves" in comms.everything
    assert f"the commander (<@{p.alice}>)" in comms.everything  # who can name comms
    assert "nobody takes the Commander role for themselves" in command.everything
    assert holders(warroom) == {"commander": p.alice}
    await warroom.command("assign scribe me", user=p.bob, channel=channel)  # other roles: yes
    await warroom.settle()
    assert holders(warroom)["scribe"] == p.bob


async def test_not_even_a_publisher_takes_comms_for_themselves(publishers: Warroom) -> None:
    room, p = publishers, publishers.people
    channel = await declared(room)
    reply = await room.command("assign comms me", user=p.carol, channel=channel)
    await room.settle()
    assert "nobody takes the Comms role for themselves" in reply.everything
    assert f"the commander (<@{p.alice}>) or a Warroom admin (<@{p.admin}>)" in reply.everything
    assert "comms" not in holders(room)


async def test_comms_goes_only_to_a_publisher(publishers: Warroom) -> None:
    room, p = publishers, publishers.people
    channel = await declared(room)
    refused = await room.command(f"assign comms <@{p.bob}>", channel=channel)
    await room.settle()
    assert f"<@{p.bob}> can't hold the Comms role" in refused.everything
    assert f"<@{p.carol}>, <!subteam^{COMMS_TEAM}>" in refused.everything  # who can
    assert "comms" not in holders(room)

    await room.command(f"assign comms <@{p.dana}>", channel=channel)  # through the group
    await room.settle()
    assert holders(room)["comms"] == p.dana
    assert group_lookups(room) == 1


# --- publishing beyond the incident channel ------------------------------------------------


async def test_a_publisher_in_comms_publishes_and_group_members_are_kept_a_while(
    publishers: Warroom,
) -> None:
    room, p = publishers, publishers.people
    channel = await declared(room)
    await room.command(f"assign comms <@{p.dana}>", channel=channel)
    await room.settle()
    await room.publish_update(channel, user=p.dana, audiences=["technical", "customer"])
    assert room.texts(room.audience_channels[CUSTOMER]) != []
    await room.command("summary post", user=p.dana, channel=channel)
    await room.settle()
    assert room.texts(room.audience_channels[EXEC]) != []
    assert group_lookups(room) == 1  # one Slack call for the assignment and both publishes

    await room.tick(6)  # group members are kept for five minutes
    await room.publish_update(channel, user=p.dana, audiences=["technical", "regulator"])
    assert room.texts(room.audience_channels[REGULATOR]) != []
    assert group_lookups(room) == 2


async def test_a_commander_who_is_not_a_publisher_publishes_only_in_the_channel(
    publishers: Warroom,
) -> None:
    """With publishers configured, the commander speaks for the company only if they are
    one; they still name comms, and anyone may publish to the incident channel."""
    room, p = publishers, publishers.people
    channel = await declared(room)  # Alice: commander, not a publisher
    form = await room.open_update_form(channel, user=p.alice)
    notes = {o["value"]: o["description"]["text"] for o in audience_options(form)}
    assert notes["customer"] == notes["executive"] == "comms or commander if a publisher, or admins"
    for audience in ("customer", "regulator", "executive", "business"):
        refused = await room.submit_update_form(
            form, user=p.alice, audiences=["technical", audience]
        )
        assert refused.json()["response_action"] == "errors"
        assert "when they are publishers" in refused.json()["errors"]["audiences"]
    allowed = await room.submit_update_form(form, user=p.alice, audiences=["technical"])
    assert allowed.json()["response_action"] == "push"

    summary = await room.command("summary post", channel=channel)
    await room.settle()
    assert "when they are publishers" in summary.everything
    for name in (CUSTOMER, REGULATOR, EXEC):
        assert room.texts(room.audience_channels[name]) == []

    await room.publish_update(channel, user=p.admin, audiences=["technical", "customer"])
    assert room.texts(room.audience_channels[CUSTOMER]) != []  # admins always may


def audience_options(form: dict) -> list[dict]:
    return next(b for b in form["blocks"] if b["block_id"] == "audiences")["element"]["options"]


async def test_a_manual_update_reminder_names_people_who_can_publish_it(
    publishers: Warroom,
) -> None:
    room, p = publishers, publishers.people
    channel = await declared(room)
    await room.tick(30)
    reminder = room.said(channel, "needs a person to publish it")
    assert f"<@{p.carol}> <!subteam^{COMMS_TEAM}>" in reminder  # nobody holds comms yet
    assert f"<@{p.alice}>" not in reminder  # the commander could not publish it

    await room.command(f"assign comms <@{p.dana}>", channel=channel)
    await room.publish_update(channel, user=p.dana, audiences=["customer", "regulator"])
    await room.tick(30)
    reminder = room.said(channel, "needs a person to publish it")
    assert f"<@{p.dana}> the Customer, Regulator update" in reminder


async def test_regulators_hear_only_of_serious_incidents_by_default(warroom: Warroom) -> None:
    channel = await declared(warroom, "sev2")
    await warroom.tick(60)
    assert not [t for t in warroom.texts(channel) if "needs a person to publish it" in t]
    form = await warroom.open_update_form(channel)
    element = next(b for b in form["blocks"] if b["block_id"] == "audiences")["element"]
    assert [o["value"] for o in element["initial_options"]] == ["technical", "business"]


def test_group_members_are_kept_and_survive_slack_failing(fake: FakeSlack) -> None:
    fake.add_user("U0DANA001", "dana")
    fake.add_user_group(COMMS_TEAM, ["U0DANA001"])
    clock = FakeClock()
    groups = SlackUserGroups(WebClient(token=fake.bot_token, base_url=fake.api_url), clock)
    assert groups.members_of(COMMS_TEAM) == {"U0DANA001"}
    fake.add_user_group(COMMS_TEAM, [])  # Dana leaves the team
    assert groups.members_of(COMMS_TEAM) == {"U0DANA001"}  # kept for five minutes
    clock.advance(timedelta(minutes=5))
    assert groups.members_of(COMMS_TEAM) == frozenset()
    fake.add_user_group(COMMS_TEAM, ["U0DANA001"])
    clock.advance(timedelta(minutes=5))
    assert groups.members_of(COMMS_TEAM) == {"U0DANA001"}
    clock.advance(timedelta(minutes=5))
    fake.fail_next("usergroups.users.list", status=500)
    assert groups.members_of(COMMS_TEAM) == {"U0DANA001"}  # Slack failed: the last known
    assert groups.members_of("S0NOSUCH1") == frozenset()  # an unknown group: nobody


async def test_a_resolver_who_may_not_speak_for_the_company_does_not_word_its_notices(
    publishers: Warroom,
) -> None:
    """Resolving tells every audience that heard; a commander who is not a publisher resolves,
    but their own summary stays in the incident channel."""
    room, p = publishers, publishers.people
    channel = await declared(room)  # Alice: commander, not a publisher
    await room.tick(30)  # business and executives have heard of it
    await room.command("resolve <!channel> we promise it never happens again", channel=channel)
    await room.settle()
    for name in ("biz-updates", EXEC):
        notices = room.texts(room.audience_channels[name])
        assert len(notices) == 2 and "resolved" in notices[-1].lower(), notices
        assert "never happens again" not in notices[-1]
    assert "never happens again" in room.said(channel, "resolved")
    told = room.said(channel, "went out without your summary")
    assert "Business" in told and "Executive" in told and f"<@{p.alice}>" in told
