"""Email audiences against a real SMTP server (aiosmtpd on 127.0.0.1), driven the way comms use
Warroom: signed Slack requests publish an update, the outbox emails it exactly once."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES
from app.services.context import Op
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom, free_port
from tests.integration.email_setup import (
    REGULATOR_TO,
    DiesAfterSending,
    DiesBeforeSending,
    declare,
    email_config,
    email_rows,
    take_over_after_lease,
)
from tests.smtp_server import MailServer

IMPACT = "Some card payments <declined> & retried"


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str, mail_server: MailServer) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, config=email_config(), smtp_url=mail_server.url())
    await warroom.start()
    yield warroom
    await warroom.stop()


async def publish_to(room: Warroom, channel: str, audience: str) -> None:
    await room.publish_update(
        channel, audiences=[audience], what_changed="Rolled back to v41", impact=IMPACT
    )


async def test_an_update_published_in_slack_arrives_by_email_in_the_approved_words(
    room: Warroom, mail_server: MailServer
) -> None:
    channel = await declare(room)
    await publish_to(room, channel, "customer")

    [mail] = await mail_server.wait_for(1)
    assert mail.recipients == ["status-subscribers@example.com", "key-accounts@example.com"]
    assert mail.message["From"] == "Example Status <status@example.com>"
    assert mail.message["Reply-To"] == "support@example.com"
    assert "key-accounts@example.com" in mail.message["To"]
    assert mail.message["Subject"] == "Service update"  # the template's heading
    assert mail.message["Auto-Submitted"] == "auto-generated"
    plain = mail.part("plain")
    assert "We are aware of an issue affecting" in plain
    assert f"What this means for you: {IMPACT}" in plain  # as typed: no Slack escapes
    assert "&lt;" not in plain and "&amp;" not in plain
    assert "Fraud model" not in plain  # the internal title is not in the customer wording
    html = mail.part("html")
    assert "<strong>Service update</strong>" in html
    assert "Some card payments &lt;declined&gt; &amp; retried" in html  # escaped for HTML
    assert "<declined>" not in html
    # The same words went to the audience's Slack channel, escaped for Slack there.
    slack = room.said(room.audience_channels["customer-comms"], "What this means for you")
    assert "Some card payments &lt;declined&gt; &amp; retried" in slack

    [row] = email_rows(room)
    assert (row.status, row.attempts) == ("sent", 1)
    made = rf"<outbox-{row.id}\.[0-9a-f]{{12}}\.warroom@example\.com>"
    assert re.fullmatch(made, mail.message_id)
    assert row.progress["message_id"]["id"] == row.result["message_id"] == mail.message_id
    said = room.said(channel, "published an update to Customer")
    assert "#customer-comms and by email to status-subscribers@example.com" in said


async def test_a_server_that_refuses_the_first_attempt_gets_the_update_exactly_once(
    room: Warroom, mail_server: MailServer
) -> None:
    mail_server.handler.data_replies = ["451 4.3.0 Try again later"]
    channel = await declare(room)
    await publish_to(room, channel, "customer")

    [mail] = await mail_server.wait_for(1)
    await room.settle()
    assert mail_server.handler.data_attempts == 2
    assert len(mail_server.received) == 1
    [row] = email_rows(room)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.progress["message_id"]["id"] == mail.message_id  # recorded before attempt 1
    assert f"What this means for you: {IMPACT}" in mail.part("plain")
    assert not [t for t in room.texts(channel) if "not been emailed yet" in t]  # quick retry


async def test_a_permanent_refusal_is_told_to_comms_in_the_incident_channel(
    room: Warroom, mail_server: MailServer
) -> None:
    mail_server.handler.data_replies = ["550 5.7.1 Message rejected as spam"]
    channel = await declare(room)
    await room.command(f"assign comms <@{room.people.bob}>", channel=channel)
    await room.settle()
    await publish_to(room, channel, "customer")

    assert mail_server.received == [] and mail_server.handler.data_attempts == 1  # no retry
    [row] = email_rows(room)
    assert (row.status, row.attempts) == ("dead", 1)
    notice = room.said(channel, "not emailed")
    assert f"<@{room.people.bob}>" in notice  # comms
    assert "550 5.7.1 Message rejected as spam" in notice
    assert "It did reach #customer-comms in Slack" in notice
    assert "audiences.customer.email" in notice


async def test_a_recipient_refused_for_good_is_told_while_the_others_get_it(
    room: Warroom, mail_server: MailServer
) -> None:
    mail_server.handler.refused_recipients = {"key-accounts@example.com": "550 5.1.1 No such user"}
    channel = await declare(room)
    await publish_to(room, channel, "customer")

    [mail] = await mail_server.wait_for(1)
    await room.settle()
    assert mail.recipients == ["status-subscribers@example.com"]
    [row] = email_rows(room)
    assert row.status == "sent"
    assert row.result["refused"] == {"key-accounts@example.com": "550 5.1.1 No such user"}
    notice = room.said(channel, "refused it for")
    assert "key-accounts@example.com: `550 5.1.1 No such user`" in notice
    assert f"<@{room.people.alice}>" in notice  # no comms: the commander


async def test_an_email_only_audience_gets_email_and_nothing_in_slack(
    room: Warroom, fake: FakeSlack, mail_server: MailServer
) -> None:
    fake.add_user(room.people.alice, "alice", real_name="Alice Moreau")
    channel = await declare(room)
    before = len(room.texts(room.audience_channels["regulatory"]))
    await publish_to(room, channel, "regulator")

    [mail] = await mail_server.wait_for(1)
    assert mail.recipients == [REGULATOR_TO]
    assert mail.message["Subject"] == "Incident notification: INC-1"
    assert mail.message.get_content_type() == "text/plain"  # no HTML sibling: plain only
    plain = mail.part("plain")
    assert "Point of contact: the incident commander, Alice Moreau." in plain  # not <@U…>
    assert "Date and time detected: 2026-11-22 02:00 UTC" in plain
    assert f"Impact assessment: {IMPACT}" in plain
    assert "<@" not in plain and "<!date" not in plain
    assert len(room.texts(room.audience_channels["regulatory"])) == before
    said = room.said(channel, "published an update to Regulator")
    assert f"Regulator (by email to {REGULATOR_TO})" in said


@pytest.mark.parametrize("changed", ["updates/customer", "updates/customer.html"])
async def test_wording_changed_since_its_approval_is_not_emailed_either(
    fake: FakeSlack, sqlite_url: str, mail_server: MailServer, tmp_path: Path, changed: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, templates)
    path = templates / f"{changed}.j2"
    path.write_text(path.read_text() + "\nP.S. Unapproved words.\n")
    room = Warroom(
        fake,
        sqlite_url,
        config=email_config(),
        smtp_url=mail_server.url(),
        templates_dir=templates,
    )
    await room.start()
    try:
        channel = await declare(room)
        await publish_to(room, channel, "customer")
        held = room.said(channel, "was *not sent*")
        assert f"`{changed}`" in held
        assert email_rows(room) == [] and mail_server.received == []
        customer = room.texts(room.audience_channels["customer-comms"])
        assert not any("What this means for you" in text for text in customer)
    finally:
        await room.stop()


async def test_a_mail_server_that_is_down_is_retried_until_it_takes_the_update(
    fake: FakeSlack, sqlite_url: str
) -> None:
    port = free_port()  # nothing listens there yet: connections are refused
    room = Warroom(fake, sqlite_url, config=email_config(), smtp_url=f"smtp://127.0.0.1:{port}")
    await room.start()
    server = MailServer(port=port)
    try:
        channel = await declare(room)
        form = await room.open_update_form(channel)
        answer = await room.submit_update_form(form, audiences=["customer"], impact=IMPACT)
        await room.press_publish(answer.json()["view"])
        await room.settle(advance_clock=False)
        [row] = email_rows(room)
        assert row.status == "pending" and "ConnectionRefusedError" in row.last_error

        server.start()
        await room.settle()  # the backoff runs out on the fake clock; the retry gets through
        [mail] = await server.wait_for(1)
        [row] = email_rows(room)
        assert row.status == "sent" and row.attempts >= 2
        assert mail.message_id == row.progress["message_id"]["id"]
    finally:
        server.stop()
        await room.stop()


async def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    room: Warroom, mail_server: MailServer
) -> None:
    """SMTP cannot be asked whether a message arrived: the retry after a crash between the
    server's 250 and the row being marked sent sends it again, with the SAME Message-ID, so
    receivers that dedupe by it show it once."""
    dying = DiesAfterSending(room.app.scheduler.gateway)
    room.app.scheduler.gateway = dying
    channel = await declare(room)
    await publish_to(room, channel, "customer")
    assert dying.died and len(mail_server.received) == 1
    [row] = email_rows(room)
    assert row.status == "pending"

    await take_over_after_lease(room)
    first, second = await mail_server.wait_for(2)
    assert first.message_id == second.message_id == row.progress["message_id"]["id"]
    [row] = email_rows(room)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_crash_before_sending_keeps_the_recorded_message_id(
    room: Warroom, mail_server: MailServer
) -> None:
    emailer = room.app.scheduler.gateway.by_op[Op.EMAIL]  # type: ignore[attr-defined]
    dying = DiesBeforeSending(emailer.mailer)
    emailer.mailer = dying
    channel = await declare(room)
    await publish_to(room, channel, "customer")
    assert dying.died and mail_server.handler.data_attempts == 0
    [row] = email_rows(room)
    recorded = row.progress["message_id"]["id"]

    await take_over_after_lease(room)
    [mail] = await mail_server.wait_for(1)
    assert mail.message_id == recorded
    assert email_rows(room)[0].status == "sent"


async def test_an_email_still_not_accepted_after_ten_minutes_is_told_to_comms_once(
    room: Warroom, mail_server: MailServer
) -> None:
    # Backing off 1 s, 2 s, 4 s … 5 min, the 11th attempt comes about 13 minutes in.
    mail_server.handler.data_replies = ["451 4.7.1 Greylisted, try again later"] * 12
    channel = await declare(room)
    await room.command(f"assign comms <@{room.people.bob}>", channel=channel)
    await room.settle()
    published = room.clock.now()
    await publish_to(room, channel, "customer")  # settling runs the backoff on the fake clock

    [mail] = await mail_server.wait_for(1)
    [row] = email_rows(room)
    assert (row.status, row.attempts) == ("sent", 13)
    assert mail.message_id == row.progress["message_id"]["id"]
    told_at = datetime.fromisoformat(row.progress["told_slow"]["at"])
    assert timedelta(minutes=10) <= told_at - published < timedelta(minutes=15)
    [notice] = [t for t in room.texts(channel) if "not been emailed yet" in t]  # once
    assert f"<@{room.people.bob}>" in notice and "451 4.7.1 Greylisted" in notice
    assert "keeps retrying for up to a day" in notice
