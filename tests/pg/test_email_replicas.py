"""Email on PostgreSQL with two replicas: a refusing mail server, and a replica that dies
mid-delivery, still give one update one Message-ID, sent once by whoever holds the row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from app.services.context import Op
from tests.fakes.slack_api import FakeSlack
from tests.harness import FakeClock
from tests.integration.email_setup import (
    DiesAfterSending,
    DiesBeforeSending,
    declare,
    email_config,
    email_rows,
    take_over_after_lease,
)
from tests.pg.replicas import Replica, settle_all
from tests.smtp_server import MailServer

StartEmailing = Callable[[], Awaitable[Replica]]


@pytest.fixture
async def start_emailing(
    fake: FakeSlack, pg_url: str, clock: FakeClock, mail_server: MailServer
) -> AsyncIterator[StartEmailing]:
    started: list[Replica] = []

    async def start() -> Replica:
        replica = Replica(
            fake,
            pg_url,
            clock=clock,
            seed=not started,
            config=email_config(),
            smtp_url=mail_server.url(),
        )
        started.append(await replica.start())
        return replica

    yield start
    await asyncio.gather(*(replica.stop() for replica in started))


async def publish(room: Replica) -> None:
    channel = await declare(room)
    await room.publish_update(
        channel, audiences=["customer"], what_changed="Rolled back", impact="Card payments"
    )


async def test_two_replicas_and_a_refusing_server_email_the_update_once(
    start_emailing: StartEmailing, mail_server: MailServer
) -> None:
    mail_server.handler.data_replies = ["451 4.3.0 Try again later"]
    a, b = await start_emailing(), await start_emailing()
    await publish(a)
    await settle_all(a, b)

    [mail] = await mail_server.wait_for(1)
    assert mail_server.handler.data_attempts == 2
    [row] = email_rows(a)
    assert (row.status, row.attempts) == ("sent", 2)
    assert mail.message_id == row.progress["message_id"]["id"] == row.result["message_id"]
    assert "What this means for you: Card payments" in mail.part("plain")


async def test_a_replica_dying_after_the_server_accepted_leaves_one_message_id(
    start_emailing: StartEmailing, mail_server: MailServer
) -> None:
    a = await start_emailing()
    dying = DiesAfterSending(a.app.scheduler.gateway)
    a.app.scheduler.gateway = dying
    await publish(a)
    assert dying.died and len(mail_server.received) == 1
    await a.stop()

    b = await start_emailing()
    await take_over_after_lease(b)
    first, second = await mail_server.wait_for(2)  # SMTP cannot tell: sent again, same ID
    assert first.message_id == second.message_id
    [row] = email_rows(b)
    assert (row.status, row.attempts, row.result["message_id"]) == ("sent", 2, first.message_id)


async def test_a_replica_dying_before_it_sent_leaves_the_recorded_message_id(
    start_emailing: StartEmailing, mail_server: MailServer
) -> None:
    a = await start_emailing()
    emailer = a.app.scheduler.gateway.gateway.by_op[Op.EMAIL]  # type: ignore[attr-defined]
    emailer.mailer = DiesBeforeSending(emailer.mailer)
    await publish(a)
    [row] = email_rows(a)
    recorded = row.progress["message_id"]["id"]
    assert row.status == "pending" and mail_server.handler.data_attempts == 0
    await a.stop()

    b = await start_emailing()
    await take_over_after_lease(b)
    [mail] = await mail_server.wait_for(1)
    assert mail.message_id == recorded
    assert email_rows(b)[0].status == "sent"
