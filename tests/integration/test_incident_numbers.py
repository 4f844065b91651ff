"""An incident run through Slack on the fake clock, then its numbers read back from what the
app recorded: the due times the cadence kept, the milestones, the decisions, the timeline."""

from __future__ import annotations

import json
from datetime import timedelta

from app.persistence.tables import Incident
from app.services.metrics import incident_numbers
from tests.harness import Warroom


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def run(warroom: Warroom, text: str, channel: str) -> None:
    await warroom.command(text, channel=channel)
    await warroom.settle(advance_clock=False)  # minutes stay whole: the values are by hand


async def at_minute(warroom: Warroom, n: float) -> None:
    """The clock at `n` minutes after the declaration; the scheduler acts on what fell due."""
    [incident] = warroom.rows(Incident)
    warroom.clock.set(incident.declared_at + minutes(n))
    warroom.app.scheduler.wake()
    await warroom.settle(advance_clock=False)


async def test_numbers_of_an_incident_raised_resolved_and_reopened(warroom: Warroom) -> None:
    dana = warroom.people.dana
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await run(warroom, f'decision Roll back? --options "Roll back|Hold" --owner <@{dana}>', channel)
    asked = next(m for m in warroom.fake.messages(channel) if "D-1" in (m.text or ""))

    await at_minute(warroom, 10)
    await warroom.press(asked, "Hold", user=dana)
    await warroom.settle(advance_clock=False)
    modal = warroom.fake.calls_to("views.open")[-1].args["view"]
    why = {"rationale": {"rationale": {"type": "plain_text_input", "value": "v41 is worse"}}}
    await warroom.submit_view(modal, why, user=dana)
    await warroom.settle(advance_clock=False)

    await at_minute(warroom, 30)  # technical and business on time
    await at_minute(warroom, 75)  # the 60-minute update goes out 15 minutes late
    await run(warroom, "status contained", channel)
    await run(warroom, "severity sev1 losses confirmed", channel)  # executives from 75 on
    await at_minute(warroom, 100)
    await run(warroom, "resolve Fell back to the rules engine", channel)  # 100
    await at_minute(warroom, 120)
    await run(warroom, "reopen precision fell again", channel)  # 120: an update is due at once
    await at_minute(warroom, 130)
    await run(warroom, "resolve Retrained on last week", channel)  # 130

    [incident] = warroom.rows(Incident)
    n = incident_numbers(warroom.app.ctx, 1)
    assert incident.detected_at == incident.declared_at  # declared by a person
    assert n.time_to_detect is None  # nobody said when it started
    assert n.time_to_declare == minutes(0)
    assert n.time_to_decide == {1: minutes(10)}
    assert n.time_to_contain == minutes(75)
    assert n.time_to_resolve == minutes(100)  # the first resolution
    assert n.reopened and n.resolved and n.severity == "sev1"
    business, executive = n.audiences["business"], n.audiences["executive"]
    # business: 30 on time, 75 late, 120 (reopened) on time; silent longest 30 → 75
    assert (business.updates, business.on_schedule, business.scheduled) == (3, 2, 3)
    assert business.longest_silence == minutes(45)
    # executives: owed from the raise at 75 to 100, then 120 to 130; updated at 75 and 120
    assert (executive.updates, executive.on_schedule) == (2, 2)
    assert executive.longest_silence == minutes(25)
    assert "customer" in n.audiences and n.audiences["customer"].updates == 0
    # The post-mortem is not due yet (48 hours after resolving); no action item was recorded.
    assert n.postmortem_on_time is None and n.action_items_open == 0


async def test_app_home_shows_the_last_90_days(warroom: Warroom) -> None:
    alice = warroom.people.alice
    quiet = json.dumps(await warroom.open_home(alice, "EvHome1"), ensure_ascii=False)
    assert "*Last 90 days:* no incidents (0 drills)" in quiet

    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await at_minute(warroom, 30)  # the business and technical updates, on time
    await at_minute(warroom, 40)
    await run(warroom, "status contained", channel)
    await at_minute(warroom, 70)  # the updates due at 60 go out 10 minutes late
    await run(warroom, "resolve Fell back to the rules engine", channel)
    await at_minute(warroom, 81)  # the numbers on Home are kept ten minutes

    home = json.dumps(await warroom.open_home(alice, "EvHome2"), ensure_ascii=False)
    assert "*Last 90 days:* 1 incidents, 0 drills" in home
    assert "median time to contain 40m · to resolve 1h 10m · 50% of updates on schedule" in home
