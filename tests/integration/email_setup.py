"""What the email tests share: a configuration with emailed audiences, and reading the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from app.config import WarroomConfig, parse_config
from app.persistence.tables import OutboxMessage
from app.services.context import Op
from app.services.delivery import LEASE, Work
from tests.harness import Warroom

CUSTOMER_TO = ["status-subscribers@example.com", "Key Accounts <key-accounts@example.com>"]
REGULATOR_TO = "incidents@authority.example"
EMAIL_AUDIENCES: dict[str, Any] = {
    "audiences": {
        # Both: its Slack channel, and email.
        "customer": {
            "email": {
                "to": CUSTOMER_TO,
                "from": "Example Status <status@example.com>",
                "reply_to": "support@example.com",
            }
        },
        # Email only.
        "regulator": {
            "channel": None,
            "email": {"to": [REGULATOR_TO], "from": "dpo@example.com"},
        },
    }
}


def email_config() -> WarroomConfig:
    return parse_config(EMAIL_AUDIENCES)


def email_rows(room: Warroom) -> list[OutboxMessage]:
    return [r for r in room.rows(OutboxMessage) if r.op == Op.EMAIL.value]


async def declare(room: Warroom) -> str:
    """A sev1 incident, declared by alice (its commander); returns its channel."""
    await room.command("declare sev1 Fraud model declining good cards <!channel>")
    await room.settle()
    return str(room.incident_channel(1).id)


class DiesAfterSending:
    """Wraps a process's deliveries: the first email reaches the mail server, then the process
    is gone (kill -9, lost node) before it can record that: its lease just lapses."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.died = False

    async def deliver(self, work: Work) -> dict[str, Any]:
        result = await self.gateway.deliver(work)
        if work.op == Op.EMAIL.value and not self.died:
            self.died = True
            raise asyncio.CancelledError  # a dead process records nothing
        return dict(result)


class DiesBeforeSending:
    """Wraps the mail server's client: the first attempt dies after the row's Message-ID was
    recorded, before a byte of the message was sent."""

    def __init__(self, mailer: Any) -> None:
        self.mailer = mailer
        self.died = False

    def send(self, message: Any, recipients: list[str]) -> Any:
        if not self.died:
            self.died = True
            raise asyncio.CancelledError  # as a killed process: nothing recorded after this
        return self.mailer.send(message, recipients)


async def take_over_after_lease(*rooms: Warroom) -> None:
    """The dead attempt's lease lapses; whoever claims the row next carries it out."""
    rooms[0].clock.advance(LEASE + timedelta(seconds=1))
    for room in rooms:
        room.app.scheduler.wake()
    for room in rooms:
        await room.settle()
