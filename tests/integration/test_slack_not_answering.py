"""Slack (or a proxy in front of it) answering an HTML page instead of JSON: the person is told
to try again, the log gets one line, and nothing crashes."""

from __future__ import annotations

import logging

import pytest

from app.persistence.tables import RoleAssignment
from tests.harness import Warroom


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", "application/json"])
async def test_assign_while_slack_answers_an_html_page(
    warroom: Warroom, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    bob = warroom.people.bob
    warroom.fake.fail_next("users.info", status=502, html=content_type)

    with caplog.at_level(logging.INFO):
        reply = await warroom.command(f"assign comms <@{bob}|bob>", channel=channel)
        answer = await reply.wait_for_later(lambda text: "Slack did not answer" in text)
        await warroom.settle()

    assert "try again" in answer.lower() and "went wrong" not in answer
    assert not [a for a in warroom.rows(RoleAssignment) if a.role == "comms"]
    mine = [r for r in caplog.records if r.name.startswith("app.")]
    assert not [r for r in mine if r.exc_info], "no traceback in the log"
    [line] = [r.getMessage() for r in mine if "Slack did not answer" in r.getMessage()]
    assert "users.info" in line and "502" in line

    # Once Slack answers again, the same command works.
    await warroom.command(f"assign comms <@{bob}|bob>", channel=channel)
    await warroom.settle()
    assert [a.user_id for a in warroom.rows(RoleAssignment) if a.role == "comms"] == [bob]
