"""Pending decisions: asked, reminded until made, made once, with who, when and why."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from app.persistence.tables import Decision, Incident, TimelineEntry
from tests.harness import Warroom

ASK = 'decision Roll back fraud-scorer to v41? --options "Roll back|Hold|Fallback" --owner '


async def war_room(warroom: Warroom, severity: str = "sev1") -> str:
    await warroom.command(f"declare {severity} Fraud model precision dropped 15%")
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


async def asked(warroom: Warroom, channel: str, owner: str | None = None) -> object:
    owner = owner or warroom.people.dana
    await warroom.command(f"{ASK}<@{owner}>", channel=channel)
    await warroom.settle()
    return next(m for m in warroom.fake.messages(channel) if "D-1" in (m.text or ""))


def decision(warroom: Warroom) -> Decision:
    [row] = warroom.rows(Decision)
    return row


async def give_reason(warroom: Warroom, reason: str, user: str) -> dict:
    modal = warroom.fake.calls_to("views.open")[-1].args["view"]
    state = {"rationale": {"rationale": {"type": "plain_text_input", "value": reason}}}
    response = await warroom.submit_view(modal, state, user=user)
    await warroom.settle()
    return response.json() if response.content else {}


async def test_asking_posts_the_question_with_a_button_per_option(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    message = await asked(warroom, channel)
    buttons = [
        e["text"]["text"]
        for b in message.blocks
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]
    assert buttons == ["Roll back", "Hold", "Fallback"]
    row = decision(warroom)
    assert (row.number, row.status, row.owner) == (1, "pending", warroom.people.dana)
    assert row.due_at - row.asked_at == timedelta(minutes=15)  # sev1's default
    assert "1 decision pending" in warroom.fake.channel(channel).topic
    assert any(e.kind == "decision" for e in warroom.rows(TimelineEntry))


async def test_default_options_owner_and_due(warroom: Warroom) -> None:
    channel = await war_room(warroom, "sev3")
    await warroom.command("decision Tell customers now?", channel=channel)
    await warroom.settle()
    row = decision(warroom)
    assert row.options == ["Approve", "Reject"] and row.owner == warroom.people.alice
    assert row.due_at - row.asked_at == timedelta(hours=1)


async def test_pressing_an_option_asks_why_then_records_the_decision(warroom: Warroom) -> None:
    dana = warroom.people.dana
    channel = await war_room(warroom)
    message = await asked(warroom, channel)
    response, _ = await warroom.press(message, "Fallback", user=dana)
    assert response.status_code == 200
    await warroom.settle()
    modal = warroom.fake.calls_to("views.open")[-1].args["view"]
    assert modal["callback_id"] == "decision_rationale" and "Fallback" in json.dumps(modal)

    assert await give_reason(warroom, "Fallback precision is known; losses stop now", dana) == {}
    row = decision(warroom)
    assert (row.status, row.outcome, row.decided_by) == ("decided", "Fallback", dana)
    assert row.rationale == "Fallback precision is known; losses stop now"
    assert row.wake_at is None  # no more reminders
    redrawn = next(m for m in warroom.fake.messages(channel) if m.ts == message.ts)
    assert "Decided: Fallback" in json.dumps(redrawn.blocks)
    assert not any(b["type"] == "actions" for b in redrawn.blocks)  # the buttons are gone
    assert "decided by" in warroom.said(channel, "*D-1* decided")
    assert "decision pending" not in warroom.fake.channel(channel).topic


async def test_only_the_owner_the_commander_or_an_admin_may_decide(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    message = await asked(warroom, channel)
    opened = len(warroom.fake.calls_to("views.open"))
    _, reply_to = await warroom.press(message, "Roll back", user=warroom.people.bob)
    await warroom.settle()
    [refusal] = warroom.fake.responses[reply_to]
    assert refusal["response_type"] == "ephemeral"
    assert f"its owner (<@{warroom.people.dana}>)" in refusal["text"]
    assert len(warroom.fake.calls_to("views.open")) == opened
    assert decision(warroom).status == "pending"


async def test_two_people_pressing_at_once_make_one_decision(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    message = await asked(warroom, channel)
    await warroom.press(message, "Roll back", user=p.dana)
    await warroom.press(message, "Hold", user=p.alice)  # the commander, at the same moment
    await warroom.settle()
    dana_form, alice_form = (c.args["view"] for c in warroom.fake.calls_to("views.open")[-2:])
    state = {"rationale": {"rationale": {"type": "plain_text_input", "value": "reason"}}}
    answers = await asyncio.gather(
        warroom.submit_view(dana_form, state, user=p.dana),
        warroom.submit_view(alice_form, state, user=p.alice),
    )
    await warroom.settle()
    refused = [a.json() for a in answers if a.content]
    assert len(refused) == 1 and "already settled by" in refused[0]["errors"]["rationale"]
    row = decision(warroom)
    assert row.status == "decided" and row.outcome in {"Roll back", "Hold"}
    made = [e for e in warroom.rows(TimelineEntry) if "decided:" in e.text]
    assert len(made) == 1


async def test_deciding_from_the_keyboard(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await asked(warroom, channel)
    unknown = await warroom.command("decide D-1 yolo because", channel=channel)
    missing = await warroom.command("decide D-9 hold because", channel=channel)
    no_reason = await warroom.command("decide D-1 hold", channel=channel)
    await warroom.settle()
    assert "`Roll back`, `Hold`, `Fallback`" in unknown.everything
    assert "has no D-9" in missing.everything and "D-1" in missing.everything
    assert "one-line reason" in no_reason.everything
    assert decision(warroom).status == "pending"

    await warroom.command("decide d-1 roll back lose a week, stop the losses", channel=channel)
    await warroom.settle()
    row = decision(warroom)
    assert (row.outcome, row.rationale) == ("Roll back", "lose a week, stop the losses")
    again = await warroom.command("decide D-1 hold changed my mind", channel=channel)
    await warroom.settle()
    assert "already settled by" in again.everything and decision(warroom).outcome == "Roll back"


async def test_reminders_until_made_then_escalation_then_silence(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await asked(warroom, channel)  # sev1: due in 15 minutes, reminders every 10
    await warroom.tick(14)
    assert warroom.fake.im_with(p.dana) is None
    await warroom.tick(1)
    dm = warroom.fake.im_with(p.dana)
    assert dm is not None and "D-1" in warroom.said(dm.id, "is due now")
    assert "is waiting on" in warroom.said(channel, "*D-1* is waiting on")
    await warroom.tick(10)
    assert len(warroom.texts(dm.id)) == 2
    assert warroom.fake.im_with(p.alice) is None  # not yet overdue by its full interval
    await warroom.tick(5)  # 30 minutes: overdue by the 15 it was given
    escalated = warroom.fake.im_with(p.alice)
    assert escalated is not None and "overdue by 15m" in warroom.said(escalated.id, "D-1")

    await warroom.command("decide D-1 hold waiting for the risk team", user=p.dana, channel=channel)
    await warroom.settle()
    nudges = len([t for t in warroom.texts(channel) if "is waiting on" in t])
    await warroom.tick(60)  # regular updates go on; decision reminders never come back
    assert len(warroom.texts(dm.id)) == 2
    assert len([t for t in warroom.texts(escalated.id) if "D-1" in t]) == 1
    assert len([t for t in warroom.texts(channel) if "is waiting on" in t]) == nudges


async def test_reminders_survive_a_restart_without_a_burst(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await asked(warroom, channel)
    await warroom.stop()
    warroom.clock.advance(timedelta(minutes=27))  # due and two reminder intervals missed
    warroom.seed = False
    await warroom.start()
    await warroom.settle()
    dm = warroom.fake.im_with(warroom.people.dana)
    assert dm is not None and len(warroom.texts(dm.id)) == 1
    assert decision(warroom).reminders_sent == 1


async def test_pending_decisions_appear_in_every_update(warroom: Warroom) -> None:
    channel = await war_room(warroom, "sev2")
    await asked(warroom, channel)
    await warroom.tick(30)
    update = warroom.said(channel, ":mega: *INC-1 update*")
    assert "Decisions pending" in update and "D-1 Roll back fraud-scorer to v41?" in update
    business = warroom.said(warroom.audience_channels["biz-updates"], "INC-1")
    assert "*Decisions pending:* Roll back fraud-scorer to v41?" in business


async def test_resolving_with_pending_decisions_asks_to_settle_them_first(
    warroom: Warroom,
) -> None:
    channel = await war_room(warroom)
    await asked(warroom, channel)
    await warroom.command("decision Tell customers now?", channel=channel)
    await warroom.settle()
    refused = await warroom.command("resolve fixed", channel=channel)
    await warroom.settle()
    assert "still has pending decisions" in refused.everything
    assert "Close D-1" in refused.everything and "Carry over D-2" in refused.everything
    [incident] = warroom.rows(Incident)
    assert incident.status == "investigating"

    await warroom.command("decision close D-1 rolled back anyway", channel=channel)
    await warroom.command("decision carry D-2 decide in the post-mortem", channel=channel)
    await warroom.settle()
    assert {d.number: d.status for d in warroom.rows(Decision)} == {1: "closed", 2: "carried"}
    await warroom.command("resolve fixed", channel=channel)
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert incident.status == "resolved"


async def test_the_buttons_offered_at_resolve_settle_decisions(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await asked(warroom, channel)
    refused = await warroom.command("resolve", channel=channel)
    await warroom.settle()
    offer = json.loads(refused.later[-1])
    message = type(
        "Ephemeral",
        (),
        {
            "blocks": offer["blocks"],
            "channel": channel,
            "ts": "1795312800.000001",
            "text": offer["text"],
        },
    )()
    _, reply_to = await warroom.press(message, "Carry over D-1")
    await warroom.settle()
    assert decision(warroom).status == "carried"
    assert "carried over" in warroom.fake.responses[reply_to][-1]["text"]


async def test_listing_decisions(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await asked(warroom, channel)
    await warroom.command("decision Tell customers now?", channel=channel)
    await warroom.settle()
    await warroom.command("decide D-2 approve legal agreed", channel=channel)
    await warroom.settle()
    reply = await warroom.command("decisions", channel=channel)
    text = await reply.wait_for_later(lambda r: "decisions" in r)
    assert "*D-1* Roll back fraud-scorer to v41? · _pending_" in text
    assert "*D-2* Tell customers now? → *Approve*" in text and "legal agreed" in text


async def test_asking_through_the_form(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await warroom.command("decision", channel=channel)
    await warroom.settle()
    form = warroom.fake.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == "decision_ask"
    state = {
        "question": {"question": {"type": "plain_text_input", "value": "Pause the A/B test?"}},
        "options": {"options": {"type": "plain_text_input", "value": "Pause|Keep running"}},
        "owner": {"owner": {"type": "users_select", "selected_user": warroom.people.carol}},
        "due": {"due": {"type": "static_select", "selected_option": {"value": "30m"}}},
    }
    response = await warroom.submit_view(form, state)
    assert response.status_code == 200 and not response.content
    await warroom.settle()
    row = decision(warroom)
    assert (row.question, row.options, row.owner) == (
        "Pause the A/B test?",
        ["Pause", "Keep running"],
        warroom.people.carol,
    )
    assert row.due_at - row.asked_at == timedelta(minutes=30)
    bad = dict(state, options={"options": {"type": "plain_text_input", "value": "Only one"}})
    refused = await warroom.submit_view(form, bad)
    assert "between 2 and 5 options" in refused.json()["errors"]["question"]


async def test_only_the_commander_gives_a_decision_to_someone_else(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    mine = await warroom.command("decision Ship the fix? --owner me", user=p.bob, channel=channel)
    dana = await warroom.command(
        f"decision Ship the fix? --owner <@{p.dana}>", user=p.bob, channel=channel
    )
    await warroom.settle()
    for refused in (mine, dana):
        assert f"only the commander (<@{p.alice}>)" in refused.everything
    assert warroom.rows(Decision) == []

    await warroom.command(f"decision Ship it? --owner <@{p.alice}>", user=p.bob, channel=channel)
    await warroom.command(f"decision Roll back? --owner <@{p.dana}>", channel=channel)
    await warroom.settle()
    assert [(d.asked_by, d.owner) for d in warroom.rows(Decision)] == [
        (p.bob, p.alice),
        (p.alice, p.dana),
    ]


async def test_the_decision_form_refuses_an_owner_on_its_field(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await warroom.command("decision", user=p.bob, channel=channel)
    await warroom.settle()
    form = warroom.fake.calls_to("views.open")[-1].args["view"]
    state = {
        "question": {"question": {"type": "plain_text_input", "value": "Ship the fix?"}},
        "owner": {"owner": {"type": "users_select", "selected_user": p.bob}},
    }
    refused = await warroom.submit_view(form, state, user=p.bob)
    await warroom.settle()
    assert f"only the commander (<@{p.alice}>)" in json.loads(refused.text)["errors"]["owner"]
    assert warroom.rows(Decision) == []
