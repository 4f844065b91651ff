"""Email beyond a published update: the cadence's automatic updates, the executive summary and
the daily digest reach an emailed audience; a drill emails nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from app.config import parse_config
from app.persistence.tables import Incident
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock, Warroom
from tests.integration.email_setup import email_rows
from tests.smtp_server import MailServer

CONFIG = {
    "audiences": {
        "business": {"email": {"to": ["risk-owners@example.com"], "from": "warroom@example.com"}},
        "executive": {
            "channel": None,
            "email": {"to": ["Board <board@example.com>"], "from": "warroom@example.com"},
        },
    }
}


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str, mail_server: MailServer) -> AsyncIterator[Warroom]:
    clock = FakeClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    warroom = Warroom(
        fake, sqlite_url, config=parse_config(CONFIG), clock=clock, smtp_url=mail_server.url()
    )
    await warroom.start()
    yield warroom
    await warroom.stop()


def to(mail_server: MailServer, address: str) -> list[str]:
    return [m.part("plain") for m in mail_server.received if address in m.recipients]


async def test_automatic_updates_summary_and_digest_are_emailed(
    room: Warroom, mail_server: MailServer
) -> None:
    await room.command("declare sev1 Fraud model declining good cards")
    await room.settle()
    channel = room.incident_channel(1).id

    await room.tick(30)  # the cadence: business and executives are updated automatically
    [business] = to(mail_server, "risk-owners@example.com")
    assert "INC-1" in business and "Fraud model declining good cards" in business
    assert any("INC-1" in t for t in room.texts(room.audience_channels["biz-updates"]))
    [executive] = to(mail_server, "board@example.com")
    assert "INC-1" in executive
    assert room.texts(room.audience_channels["exec-updates"]) == []  # email only

    await room.command("summary post", channel=channel)
    await room.settle()
    summary = to(mail_server, "board@example.com")[-1]
    assert "INC-1 · SEV1 Critical" in summary and "<@" not in summary
    assert room.texts(room.audience_channels["exec-updates"]) == []

    await room.tick(120)  # 08:30: the daily digest
    digest = next(m for m in mail_server.received if "digest" in str(m.message["Subject"]))
    assert digest.message["Subject"] == "Incident digest for Monday 23 November 2026"
    assert digest.recipients == ["board@example.com"]
    assert all(r.status == "sent" for r in email_rows(room))


async def test_a_drill_emails_nobody(room: Warroom, mail_server: MailServer) -> None:
    await room.command("drill fraud-precision-drop")
    await room.settle()
    await room.tick(30)  # the drill's business and executive updates fall due
    [incident] = room.rows(Incident)
    assert incident.drill
    drill_channel = room.texts(str(incident.channel_id))
    assert any(":briefcase:" in t for t in drill_channel)  # the business update: heard here
    assert email_rows(room) == [] and mail_server.received == []
