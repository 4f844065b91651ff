"""The glossary in Slack: looking terms up anywhere, adding them (the incident's commander, or
an admin), and the Terms note under business and executive updates."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.config import SHIPPED_PLAYBOOKS, parse_config
from app.persistence.tables import GlossaryTerm
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

ADMIN = "U0ADMIN01"
GLOSSARY = """\
PSI:
  definition: How far the inputs moved from the training data.
  aliases: [population stability index]
  why: The early warning before losses show.
drift:
  definition: The world moved away from what the model learned.
concept drift:
  definition: The same inputs now mean a different outcome.
canary:
  definition: A release to a small share of traffic first.
  aliases: [canary release]
MTTR: Mean time to resolve.
feature store: The shared store of model inputs.
"""


async def start_with_glossary(fake: FakeSlack, sqlite_url: str, tmp_path: Path) -> Warroom:
    """The app with the shipped playbooks and the small glossary above, and an admin."""
    folder = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, folder)
    (folder / "glossary.yaml").write_text(GLOSSARY)
    config = parse_config({"admins": [ADMIN]})
    return await Warroom(fake, sqlite_url, config=config, playbooks_dir=folder).start()


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Warroom]:
    warroom = await start_with_glossary(fake, sqlite_url, tmp_path)
    yield warroom
    await warroom.stop()


async def ask(room: Warroom, text: str, **where: str) -> str:
    reply = await room.command(text, **where)
    await room.settle()
    return reply.everything


async def incident(room: Warroom) -> str:
    """A sev1 declared by alice (so she commands it), with dana on comms; its channel."""
    await room.command("declare sev1 Fraud model precision dropped 15%")
    await room.settle()
    channel = str(room.incident_channel(1).id)
    await room.command(f"assign comms <@{room.people.dana}>", channel=channel)
    await room.settle()
    return channel


async def test_a_term_is_explained_anywhere_by_name_or_alias_in_any_case(room: Warroom) -> None:
    for asked in ("glossary psi", "glossary PSI", "glossary Population  Stability Index"):
        answer = await ask(room, asked, user=room.people.bob)  # in #general: no incident
        assert "*PSI*: How far the inputs moved from the training data." in answer, answer
        assert "*Why it matters:* The early warning before losses show." in answer
        assert "From the shipped glossary." in answer
        assert '"response_type": "in_channel"' not in answer  # only the asker sees it


async def test_an_unknown_term_suggests_close_ones(room: Warroom) -> None:
    answer = await ask(room, "glossary fetaure stor")
    assert "The glossary has no `fetaure stor`. Did you mean *feature store*?" in answer
    nothing = await ask(room, "glossary <!channel> zzzz")
    assert "has no `@channel zzzz`" in nothing and "Did you mean" not in nothing


async def test_the_glossary_lists_every_term(room: Warroom) -> None:
    answer = await ask(room, "glossary")
    assert "*Glossary*: 6 terms" in answer
    for term in ("PSI", "drift", "concept drift", "canary", "MTTR", "feature store"):
        assert f"*{term}*" in answer


async def test_the_commander_adds_a_term_in_the_incident_channel_and_it_is_kept(
    room: Warroom,
) -> None:
    channel = await incident(room)
    added = await ask(
        room,
        'glossary add "shadow mode" Runs beside the live model, answers unused '
        "--aliases dark launch, shadow --why No risk to customers",
        channel=channel,
    )
    assert "Saved to the glossary" in added and "*shadow mode*: Runs beside the live model" in added
    [row] = room.rows(GlossaryTerm)
    assert (row.term, row.aliases, row.why) == (
        "shadow mode",
        ["dark launch", "shadow"],
        "No risk to customers",
    )
    assert (row.added_by, row.added_at) == (room.people.alice, room.clock.now())
    shown = await ask(room, "glossary Dark Launch", user=room.people.carol)
    assert "*shadow mode*: Runs beside the live model, answers unused" in shown
    assert f"Added in Slack by <@{room.people.alice}>" in shown
    listing = await ask(room, "glossary")
    assert "*Glossary*: 7 terms" in listing and "*shadow mode* _(added)_" in listing


async def test_terms_added_by_people_are_shown_escaped(room: Warroom) -> None:
    channel = await incident(room)
    await ask(
        room, "glossary add <!channel>: ping <@U0BOBBY01> & <https://x.example|go>", channel=channel
    )
    shown = await ask(room, "glossary @channel")
    assert "*@channel*: ping @U0BOBBY01 &amp; go (https://x.example)" in shown
    assert "<!channel>" not in room.outgoing() and "<@U0BOBBY01>" not in shown


async def test_someone_who_is_not_the_commander_is_refused(room: Warroom) -> None:
    channel = await incident(room)
    bob = room.people.bob
    here = await ask(room, "glossary add PSI something else", user=bob, channel=channel)
    assert (
        f"Sorry, only the commander of INC-1 (<@{room.people.alice}>) or a Warroom admin "
        f"(<@{ADMIN}>) can add to the glossary here." in here
    )
    elsewhere = await ask(room, "glossary add PSI something else")  # alice, but in #general
    assert f"only a Warroom admin (<@{ADMIN}>) can add to the glossary outside" in elsewhere
    assert room.rows(GlossaryTerm) == []
    assert "How far the inputs moved" in await ask(room, "glossary psi")


async def test_an_admin_changes_a_shipped_term_anywhere(room: Warroom) -> None:
    await ask(room, "glossary add psi: Distance between today's inputs and training", user=ADMIN)
    shown = await ask(room, "glossary population stability index")
    assert "*PSI*: Distance between today's inputs and training" in shown
    assert "*Why it matters:* The early warning before losses show." in shown  # kept
    assert f"Added in Slack by <@{ADMIN}>" in shown
    [row] = room.rows(GlossaryTerm)
    assert row.term == "PSI"  # the shipped spelling
    room.clock.advance(datetime(2026, 11, 22, 3, 0, tzinfo=UTC) - room.clock.now())
    await ask(room, "glossary add PSI Second wording", user=ADMIN)
    [row] = room.rows(GlossaryTerm)
    assert (row.definition, row.updated_by, row.added_by) == ("Second wording", ADMIN, ADMIN)
    assert row.updated_at == room.clock.now()


async def test_adding_without_a_definition_says_how(room: Warroom) -> None:
    answer = await ask(room, "glossary add PSI", user=ADMIN)
    assert "Give the term, then its plain-words definition" in answer
    assert room.rows(GlossaryTerm) == []
