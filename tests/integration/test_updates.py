"""Publishing by hand with /incident update, and approved wording for approval audiences."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES
from app.persistence.tables import AudienceClock, Incident, StatusUpdate
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

BIZ, CUSTOMER = "biz-updates", "customer-comms"


async def sev1_with_comms(warroom: Warroom) -> str:
    await warroom.command("declare sev1 Fraud model precision dropped 15% {{ 7*7 }}")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await warroom.command(f"assign comms <@{warroom.people.dana}>", channel=channel)
    await warroom.settle()
    return channel


def options(form: dict, which: str = "options") -> list[str]:
    element = next(b for b in form["blocks"] if b["block_id"] == "audiences")["element"]
    return [o["value"] for o in element.get(which, [])]


async def test_comms_publishes_an_update_through_the_form(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await sev1_with_comms(warroom)
    form = await warroom.open_update_form(channel, user=dana)
    assert options(form) == ["technical", "business", "executive", "customer", "regulator"]
    assert options(form, "initial_options") == options(form)  # sev1: every audience follows
    assert "approved by" in json.dumps(form)  # customer wording shows its approval

    response = await warroom.submit_update_form(
        form,
        user=dana,
        audiences=["technical", "business", "customer"],
        what_changed="Rolled back fraud-scorer to v41",
        impact="1,200 payments declined",
        uncertain="Whether chargebacks are affected",
    )
    answer = response.json()
    assert answer["response_action"] == "push"  # the preview, on top of the form
    preview = json.dumps(answer["view"])
    assert "Rolled back fraud-scorer to v41" in preview and "approved by" in preview

    await warroom.press_publish(answer["view"], user=dana)
    await warroom.settle()
    assert "Rolled back fraud-scorer to v41" in warroom.said(channel, ":mega: *INC-1 update*")
    assert "1,200 payments declined" in warroom.said(warroom.audience_channels[BIZ], "INC-1")
    customer = warroom.said(warroom.audience_channels[CUSTOMER], "Service update")
    assert "1,200 payments declined" in customer and "INC-1" not in customer
    assert "published an update to Business" in warroom.said(channel, ":mega: <@")
    [update] = [u for u in warroom.rows(StatusUpdate) if not u.automatic]
    assert (update.author, update.audiences) == (dana, ["technical", "business", "customer"])
    assert update.uncertain == "Whether chargebacks are affected"
    [incident] = warroom.rows(Incident)
    assert incident.impact == "1,200 payments declined"
    # The next automatic technical update repeats what is still uncertain.
    await warroom.tick(30)
    assert "Whether chargebacks are affected" in warroom.said(channel, "automatic update")


async def test_user_text_in_updates_is_shown_literally(warroom: Warroom) -> None:
    channel = await sev1_with_comms(warroom)
    await warroom.publish_update(
        channel,
        user=warroom.people.dana,
        what_changed="Paged <!channel> {{ 7*7 }}",
        audiences=["technical", "business"],
    )
    await warroom.tick(30)
    assert "<!channel>" not in warroom.outgoing()
    update = warroom.said(channel, "Paged")
    assert (
        "Paged &lt;!channel&gt; {{ 7*7 }}" in update and "Paged &lt;!channel&gt; 49" not in update
    )


async def test_only_comms_the_commander_or_admins_publish_beyond_the_channel(
    warroom: Warroom,
) -> None:
    channel = await sev1_with_comms(warroom)
    form = await warroom.open_update_form(channel, user=warroom.people.bob)
    refused = await warroom.submit_update_form(
        form, user=warroom.people.bob, audiences=["technical", "business"]
    )
    assert refused.json()["response_action"] == "errors"
    assert "comms holder" in refused.json()["errors"]["audiences"]
    allowed = await warroom.submit_update_form(
        form, user=warroom.people.bob, audiences=["technical"]
    )
    assert allowed.json()["response_action"] == "push"


async def test_what_changed_is_required(warroom: Warroom) -> None:
    channel = await sev1_with_comms(warroom)
    form = await warroom.open_update_form(channel, user=warroom.people.dana)
    response = await warroom.submit_update_form(form, user=warroom.people.dana, what_changed="   ")
    assert response.json() == {
        "response_action": "errors",
        "errors": {"what_changed": "Say what changed since the last update."},
    }


async def test_pressing_publish_twice_publishes_once(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await sev1_with_comms(warroom)
    form = await warroom.open_update_form(channel, user=dana)
    answer = (await warroom.submit_update_form(form, user=dana, audiences=["business"])).json()
    await asyncio.gather(*(warroom.press_publish(answer["view"], user=dana) for _ in range(3)))
    await warroom.settle()
    assert len(warroom.texts(warroom.audience_channels[BIZ])) == 1
    assert len([u for u in warroom.rows(StatusUpdate) if not u.automatic]) == 1


@pytest.fixture
async def changed_wording(
    fake: FakeSlack, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[Warroom]:
    """An organisation's template folder where someone edited the customer wording after
    legal approved it."""
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    customer = folder / "updates" / "customer.j2"
    customer.write_text(customer.read_text() + "\nWe promise this will never happen again.\n")
    room = Warroom(fake, sqlite_url, templates_dir=folder)
    await room.start()
    yield room
    await room.stop()


async def test_changed_wording_is_never_sent_to_an_approval_audience(
    changed_wording: Warroom,
) -> None:
    room = changed_wording
    channel = await sev1_with_comms(room)
    preview = await room.publish_update(
        channel, user=room.people.dana, audiences=["technical", "customer"]
    )
    assert "Will not be sent" in json.dumps(preview)
    assert room.texts(room.audience_channels[CUSTOMER]) == []
    notice = room.said(channel, "was *not sent*")
    assert f"<@{room.people.dana}>" in notice and "updates/customer" in notice
    assert "changed since it was approved by" in notice
    [update] = [u for u in room.rows(StatusUpdate) if not u.automatic]
    assert (update.audiences, update.held_back) == (["technical"], ["customer"])
    clock = next(c for c in room.rows(AudienceClock) if c.audience == "customer")
    assert clock.updates_sent == 0  # still pending: reminders continue
    await room.tick(30)
    assert "Customer, Regulator" in room.said(channel, "needs a person to publish it")
