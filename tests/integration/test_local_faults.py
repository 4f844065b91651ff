"""A fault in one incident, audience or template stays there; everything else keeps flowing."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES
from app.persistence.tables import Fault, OutboxMessage
from app.services.context import Op
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

BIZ = "biz-updates"
BROKEN = "{{ incident.no_such_field }}\n"  # fails when rendered, not when read


@pytest.fixture
async def own_templates(
    fake: FakeSlack, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Warroom, Path]]:
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    room = Warroom(fake, sqlite_url, templates_dir=folder)
    await room.start()
    yield room, folder
    await room.stop()


async def test_a_template_broken_on_disk_stops_only_its_audience_and_recovers(
    own_templates: tuple[Warroom, Path], caplog: pytest.LogCaptureFixture
) -> None:
    room, folder = own_templates
    business = folder / "updates" / "business.j2"
    good = business.read_text()
    await room.command("declare sev2 Fraud model precision dropped 15%")
    await room.settle()
    channel = room.incident_channel(1).id
    business.write_text(good + BROKEN)  # someone edits the wording while the bot runs

    with caplog.at_level(logging.INFO):
        await room.tick(30)
        await room.command("declare sev3 Search ranking serving stale features")
        await room.settle()
        for _ in range(3):
            await room.tick(1)  # it retries every minute, quietly

    assert room.texts(room.audience_channels[BIZ]) == []
    assert any(":mega: *INC-1 update*" in t for t in room.texts(channel))  # technical went out
    assert room.incident_channel(2).id  # an unrelated incident got its channel
    told = [t for t in room.texts(channel) if "could not prepare the Business update" in t]
    assert len(told) == 1 and "<@U0ALICE01>" in told[0] and "business.j2" in told[0]
    tracebacks = [r for r in caplog.records if r.exc_info and "update:1:business" in r.message]
    assert len(tracebacks) == 1

    business.write_text(good)  # fixed
    await room.tick(1)
    assert len(room.texts(room.audience_channels[BIZ])) == 1
    assert room.rows(Fault) == []
    assert {r.status for r in room.rows(OutboxMessage)} == {"sent"}


async def test_a_broken_reminder_template_keeps_the_updates_and_other_incidents(
    own_templates: tuple[Warroom, Path],
) -> None:
    room, folder = own_templates
    await room.command("declare sev2 Fraud model precision dropped 15%")
    await room.settle()
    channel = room.incident_channel(1).id
    (folder / "reminders" / "narrative_request.j2").write_text(BROKEN)
    await room.tick(30)
    assert len(room.texts(room.audience_channels[BIZ])) == 1  # the update itself went out
    assert any("could not write the update reminders" in t for t in room.texts(channel))
    await room.command("declare sev2 Chatbot giving harmful answers")
    await room.settle()
    assert room.incident_channel(2).id


async def test_a_decision_reminder_that_fails_stays_with_that_decision(
    own_templates: tuple[Warroom, Path],
) -> None:
    room, folder = own_templates
    await room.command("declare sev2 Fraud model precision dropped 15%")
    await room.settle()
    channel = room.incident_channel(1).id
    await room.command("decision Roll back to v41? --due 5m", channel=channel)
    await room.settle()
    (folder / "reminders" / "decision_due.j2").write_text(BROKEN)
    await room.tick(6)
    await room.tick(2)
    told = [t for t in room.texts(channel) if "could not remind" in t]
    assert len(told) == 1 and "D-1" in told[0]
    await room.tick(25)  # the cadence carries on meanwhile
    assert len(room.texts(room.audience_channels[BIZ])) == 1


async def test_an_archived_incident_channel_is_told_to_the_commander_once(
    warroom: Warroom,
) -> None:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    warroom.fake.archive(channel)
    await warroom.tick(30)  # the technical update to the channel dies: is_archived
    await warroom.tick(30)  # and again
    dm = warroom.fake.im_with(warroom.people.alice)
    assert dm is not None
    told = [t for t in warroom.texts(dm.id) if "can no longer post in the channel of INC-1" in t]
    assert len(told) == 1 and "is_archived" in told[0]
    assert len(warroom.texts(warroom.audience_channels[BIZ])) == 2  # the others go on
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent", "dead"}
    assert all(r.channel is None for r in rows if r.status == "dead")


async def test_an_audience_channel_that_refuses_is_told_once(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    warroom.fake.archive(warroom.audience_channels[BIZ])
    for _ in range(3):
        await warroom.tick(30)
    told = [t for t in warroom.texts(channel) if "could not be posted to #biz-updates" in t]
    assert len(told) == 1


async def test_a_garbled_answer_from_slack_puts_no_token_in_the_database_or_log(
    warroom: Warroom, caplog: pytest.LogCaptureFixture
) -> None:
    warroom.fake.garble_next("chat.postMessage", times=2)
    with caplog.at_level(logging.DEBUG):
        await warroom.command("declare sev2 Fraud model precision dropped 15%")
        await warroom.settle()
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent"}
    errors = [r.last_error for r in rows if r.last_error]
    assert errors and all("ClientResponseError" in e for e in errors), errors
    assert not any("xoxb" in e or "Authorization" in e for e in errors)
    assert warroom.fake.bot_token not in caplog.text


async def test_a_message_that_cannot_be_read_gives_up_at_once_and_holds_nothing_back(
    warroom: Warroom,
) -> None:
    """A row written by an older version (a key since renamed) is dead on its first attempt,
    told once, and the posts behind it in its channel go out."""
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    with warroom.app.ctx.unit() as unit:
        for _ in range(2):
            unit.say(
                Op.POST,
                incident_id=1,
                payload={"message": "note_added", "params": {"txt": "old shape", "by": "U0X"}},
                sequence_key="incident:1",
            )
    await warroom.command("note rolled back to v41", channel=channel)
    await warroom.settle()
    dead = [r for r in warroom.rows(OutboxMessage) if r.status == "dead"]
    assert [r.attempts for r in dead] == [1, 1]
    assert all("unexpected fields ['txt']" in r.last_error for r in dead)
    assert any("rolled back to v41" in t for t in warroom.texts(channel))
    told = [t for t in warroom.texts(channel) if "could not write a note_added message" in t]
    assert len(told) == 1 and "<@U0ALICE01>" in told[0]


async def test_a_kickoff_template_broken_on_disk_kills_the_refresh_not_the_channel(
    own_templates: tuple[Warroom, Path],
) -> None:
    room, folder = own_templates
    await room.command("declare sev2 Fraud model precision dropped 15%")
    await room.settle()
    channel = room.incident_channel(1).id
    kickoff = folder / "kickoff.j2"
    good = kickoff.read_text()
    kickoff.write_text(BROKEN)
    await room.command("severity sev1 losses accruing", channel=channel)
    await room.command("status contained rolled back", channel=channel)
    await room.settle()
    refreshes = [r for r in room.rows(OutboxMessage) if r.op == "refresh" and r.status == "dead"]
    assert refreshes and all(r.attempts == 1 for r in refreshes)
    assert any("Status now" in t for t in room.texts(channel))  # notices still went out
    told = [t for t in room.texts(channel) if "could not write a refresh message" in t]
    assert len(told) == 1 and "kickoff.j2" in told[0]
    kickoff.write_text(good)
    await room.command("status remediating retraining", channel=channel)
    await room.settle()
    assert "Remediating" in str(room.fake.messages(channel)[0].blocks)  # the kickoff caught up
