"""WARROOM_LOG_FORMAT=json: each line says which request, incident and outbox row it is
about, while the app handles real signed requests and delivers to the fake Slack; never a
token or a request's body."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from app import log_output
from app.persistence.tables import OutboxMessage
from tests.alert_bodies import alertmanager
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, SIGNING_SECRET, Warroom

TITLE = "Fraud model precision dropped 15%"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The app's own JSON log configuration, into a buffer; pytest's handlers put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    log_output.configure("json", stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    log_output._state["format"] = "text"


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def line_saying(stream: io.StringIO, fragment: str) -> dict[str, Any]:
    found = [r for r in records(stream) if fragment in r["message"]]
    assert found, f"no line says {fragment!r}: {[r['message'] for r in records(stream)]}"
    return found[0]


async def test_a_declaration_is_logged_with_its_request_and_incident(
    warroom: Warroom, json_log: io.StringIO
) -> None:
    reply = await warroom.command(f"declare sev1 {TITLE}")
    await warroom.settle()
    assert reply.response.status_code == 200

    declared = line_saying(json_log, "INC-1 declared (sev1)")
    assert declared["incident"] == 1
    assert re.fullmatch(r"[0-9a-f]{12}", declared["request"])
    assert "outbox_id" not in declared
    second = await warroom.command("declare sev2 Feature store serving stale values")
    await warroom.settle()
    assert second.response.status_code == 200
    other = line_saying(json_log, "INC-2 declared (sev2)")
    assert other["incident"] == 2 and other["request"] != declared["request"]

    logged = json_log.getvalue()
    assert TITLE not in logged and "text=declare" not in logged  # no request body
    assert warroom.fake.bot_token not in logged and SIGNING_SECRET not in logged


async def test_a_delivery_is_logged_with_its_outbox_row_and_incident(
    warroom: Warroom, json_log: io.StringIO
) -> None:
    await warroom.command(f"declare sev1 {TITLE}")
    await warroom.settle()
    channel = warroom.incident_channel().id
    warroom.fake.fail_next("chat.postMessage", status=429, retry_after=2)
    await warroom.command("note Precision back above 0.8", channel=channel)
    await warroom.settle()

    retried = line_saying(json_log, "will retry")
    note = next(r for r in warroom.rows(OutboxMessage) if r.attempts == 2)
    assert retried["outbox_id"] == note.id and retried["incident"] == 1
    assert retried["level"] == "INFO" and "ratelimited" in retried["message"]
    # Delivered by the scheduler, not while the request that wrote it was handled.
    assert "request" not in retried
    assert warroom.fake.bot_token not in json_log.getvalue()


async def test_alerts_taken_are_logged_with_the_webhook_request(
    fake: FakeSlack, sqlite_url: str, json_log: io.StringIO
) -> None:
    room = Warroom(fake, sqlite_url, alerts_token=ALERTS_TOKEN)
    await room.start()
    try:
        assert (await room.alert("alertmanager", alertmanager())).status_code == 200
        await room.settle()
    finally:
        await room.stop()
    taken = line_saying(json_log, "alerts taken")
    assert re.fullmatch(r"[0-9a-f]{12}", taken["request"])
    assert ALERTS_TOKEN not in json_log.getvalue()
