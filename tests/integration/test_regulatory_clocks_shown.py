"""Where regulatory clocks show: the channel topic, App Home, the executive summary, the
technical and executive updates (the time left), the post-mortem and `warroom report` (each
clock, met or missed)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from app.report_output import as_csv, html, text
from app.services import clock_report, postmortem
from app.services.report import period_report
from tests.harness import Warroom
from tests.integration.test_regulatory_clocks import HOUR, advance_to, clocks, dms, typed

EXEC = "exec-updates"


async def sev1_war_room(warroom: Warroom) -> str:
    await warroom.command("declare sev1 Chatbot leaked customer addresses")
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


async def test_topic_home_summary_and_updates_show_the_time_left(warroom: Warroom) -> None:
    alice = warroom.people.alice
    channel = await sev1_war_room(warroom)
    await typed(warroom, "flag personal-data", channel)
    [clock] = clocks(warroom)
    deadline = f"by {clock.due_at:%d %b %H:%M} UTC"
    assert f"GDPR Art. 33: 72h left, {deadline}" in warroom.fake.channel(channel).topic
    home = json.dumps(await warroom.open_home(alice, "Ev-clock-home-1"))
    assert ":alarm_clock: GDPR Art. 33: *72h left*" in home
    summary = await typed(warroom, "summary", channel)
    assert "*Regulatory:* GDPR Art. 33: 72h left" in summary

    await warroom.tick(31)  # the sev1 cadence: automatic updates to engineers and executives
    technical = warroom.said(channel, "*Regulatory clocks:*")
    assert "• GDPR Art. 33: *71h left* (notify by <!date^" in technical
    executive = warroom.said(warroom.audience_channels[EXEC], "*Regulatory:*")
    assert "*Regulatory:* GDPR Art. 33: 71h left" in executive

    await advance_to(warroom, clock.due_at + timedelta(hours=3, minutes=10))
    summary = await typed(warroom, "summary", channel)
    assert "GDPR Art. 33: overdue by 3h 1" in summary  # 10m, or 11m with Slack's retries
    home = json.dumps(await warroom.open_home(alice, "Ev-clock-home-2"))
    assert ":alarm_clock: GDPR Art. 33: *overdue by 3h 1" in home and "m* :warning:" in home
    # The deadline's reminder refreshed the topic: the time left as of then, and the deadline.
    topic = warroom.fake.channel(channel).topic
    assert "GDPR Art. 33: overdue by 3h 1" in topic and f"m, {deadline}" in topic
    # After that long jump only the deadline's reminder went out, not the three before it.
    reminders = dms(warroom, alice, "in *INC-1*")
    assert len(reminders) == 1 and "*the deadline is up*" in reminders[0]

    await typed(warroom, "notified personal-data ICO-77", channel)
    summary = await typed(warroom, "summary", channel)
    assert "GDPR Art. 33: notified 3h 1" in summary and "m late" in summary
    assert "GDPR" not in warroom.fake.channel(channel).topic


async def test_the_post_mortem_shows_each_clock_and_whether_it_was_met(warroom: Warroom) -> None:
    p = warroom.people
    await warroom.command("declare sev2 Chatbot leaked customer addresses")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await typed(warroom, f"assign compliance <@{p.dana}>", channel)
    await typed(warroom, "flag personal-data", channel)
    await typed(warroom, "flag ai-act-critical", channel)
    await typed(warroom, "flag ai-act-death", channel)
    await warroom.tick(10 * HOUR)
    await typed(warroom, "notified personal-data ICO-2026-12345", channel, user=p.dana)
    await typed(warroom, "unflag ai-act-death nobody was harmed", channel)
    critical = clocks(warroom)[1]
    await advance_to(warroom, critical.due_at + timedelta(hours=1))
    await typed(warroom, "resolve guardrail restored", channel)

    ctx = warroom.app.ctx
    markdown = postmortem.document(ctx, "INC-1", "md")
    section = markdown.split("## Regulatory clocks")[1].split("\n## ")[0]
    gdpr, missed, unflagged = [line for line in section.splitlines() if line.startswith("| ")][1:]
    assert "GDPR Art. 33" in gdpr and "**met**: notified" in gdpr and "ICO-2026-12345" in gdpr
    assert "@U0DANA001" in gdpr
    assert "AI Act Art. 73 (widespread or critical)" in missed
    assert "**missed**: deadline passed, authority not notified" in missed
    assert "unflagged by @U0ALICE01: nobody was harmed" in unflagged
    assert "| regulatory deadlines met | 1 of 2 |" in markdown

    document: dict[str, Any] = json.loads(postmortem.document(ctx, "INC-1", "json"))
    outcomes = {c["clock"]: (c["status"], c["met"]) for c in document["clocks"]}
    assert outcomes == {
        "personal-data": ("notified", True),
        "ai-act-critical": ("running", False),
        "ai-act-death": ("unflagged", None),
    }
    assert document["clocks"][0]["reference"] == "ICO-2026-12345"


async def test_the_report_counts_each_clock_met_or_missed_in_one_query(warroom: Warroom) -> None:
    for number in (1, 2, 3):
        await warroom.command(f"declare sev2 Incident {number}")
        await warroom.settle()
        channel = str(warroom.incident_channel(number).id)
        await typed(warroom, "flag personal-data", channel)
        if number == 1:
            await typed(warroom, "notified personal-data ICO-1", channel)
        if number == 3:
            await typed(warroom, "flag ai-act-serious", channel)
    await warroom.tick(73 * HOUR)  # incident 2's GDPR clock ran out unnotified

    ctx = warroom.app.ctx
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", seen)
    try:
        with ctx.db.read() as session:
            clock_report.clock_rows(session, ctx.clock.now() - timedelta(days=90), ctx.clock.now())
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "regulatory_clocks" in s]) == 1

    report = period_report(ctx, timedelta(days=90))
    words = text(report)
    assert "GDPR Art. 33 (personal-data): 3 flagged, 1 met, 2 missed, 0 running" in words
    serious = "(ai-act-serious): 1 flagged, 0 met, 0 missed, 1 running, 0 unflagged"
    assert serious in words
    assert "Incidents,regulatory clock,personal-data,clocks_missed,2" in as_csv(report)
    assert "<td>GDPR Art. 33</td><td>personal-data</td><td>3</td><td>1</td>" in html(report)
