"""The Terms note: a person's business and executive updates end with the plain definitions
of the glossary terms they use (at most three, in reading order); the technical one does not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.integration.test_glossary import ask, incident, start_with_glossary


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Warroom]:
    warroom = await start_with_glossary(fake, sqlite_url, tmp_path)
    yield warroom
    await warroom.stop()


NARRATIVE = {
    "what_changed": "Rolled back after PSI hit 0.31 on amount; it looks like concept drift",
    "impact": "About 1,200 payments declined; the MTTR target is at risk",
    "uncertain": "Whether the canary release was affected",
    "next_steps": "Check the feature store",
}


def terms_note(text: str) -> list[str]:
    """The terms explained under an update, in order; [] when it has no note."""
    if "Terms used above" not in text:
        return []
    note = text[text.index("Terms used above") :].split('"}}]')[0]
    return [line.split("*")[1] for line in note.split("\\n")[1:]]


async def test_business_and_executive_updates_explain_the_terms_they_use(room: Warroom) -> None:
    channel = await incident(room)
    await room.publish_update(
        channel,
        user=room.people.dana,
        audiences=["technical", "business", "executive"],
        **NARRATIVE,
    )
    business = room.said(room.audience_channels["biz-updates"], "INC-1")
    # Impact comes first in the business update, then what changed, then what is uncertain:
    # at most three, in the order the reader meets them ("concept drift", not "drift" in it;
    # not canary, the fourth; not the feature store, in next steps the update does not show).
    assert terms_note(business) == ["MTTR", "PSI", "concept drift"]
    assert "• *MTTR*: Mean time to resolve." in business
    assert "• *concept drift*: The same inputs now mean a different outcome." in business
    # The executive update shows the impact alone: only its term is explained.
    assert terms_note(room.said(room.audience_channels["exec-updates"], "INC-1")) == ["MTTR"]
    technical = room.said(channel, ":mega: *INC-1 update*")
    assert "PSI hit 0.31" in technical and terms_note(technical) == []


async def test_an_update_without_glossary_terms_has_no_note(room: Warroom) -> None:
    channel = await incident(room)
    await room.publish_update(
        channel,
        user=room.people.dana,
        audiences=["business"],
        what_changed="Declines are back to normal",
    )
    assert "Terms used above" not in room.said(room.audience_channels["biz-updates"], "INC-1")


async def test_a_term_added_by_a_person_is_escaped_in_the_note(room: Warroom) -> None:
    channel = await incident(room)
    await ask(
        room, "glossary add fallback: the rules <!here> & <@U0BOBBY01> decide", channel=channel
    )
    await room.publish_update(
        channel, user=room.people.dana, audiences=["business"], what_changed="On the fallback now"
    )
    text = room.said(room.audience_channels["biz-updates"], "INC-1")
    assert "*fallback*: the rules @here &amp; @U0BOBBY01 decide" in text
    assert "<!here>" not in json.dumps(
        [m.text for m in room.fake.messages(room.audience_channels["biz-updates"])]
    )
