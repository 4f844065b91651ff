"""Small inputs with big effects: huge durations, control characters, text that looks like
markup or mentions. Each gets a friendly reply or is shown literally, never a crash."""

from __future__ import annotations

from app.persistence.tables import Decision, Incident, TimelineEntry
from tests.harness import Warroom


async def war_room(warroom: Warroom) -> str:
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    return str(warroom.incident_channel(1).id)


async def test_a_huge_due_time_gets_a_friendly_reply(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    reply = await warroom.command("decision Roll back? --due 99999999999d", channel=channel)
    await warroom.settle()
    assert reply.response.status_code == 200
    assert "`--due`" in reply.everything and "at most 90d" in reply.everything
    assert warroom.rows(Decision) == []


async def test_a_huge_due_time_in_the_form_is_refused_on_its_field(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await warroom.command("decision", channel=channel)
    await warroom.settle()
    form = warroom.fake.calls_to("views.open")[-1].args["view"]
    state = {
        "question": {"question": {"type": "plain_text_input", "value": "Pause the A/B test?"}},
        "due": {"due": {"type": "static_select", "selected_option": {"value": "99999999999d"}}},
    }
    response = await warroom.submit_view(form, state)
    await warroom.settle()
    assert response.json()["response_action"] == "errors"
    assert "at most 90d" in response.json()["errors"]["due"]
    assert warroom.rows(Decision) == []


async def test_control_characters_and_bidi_overrides_are_dropped_as_text_comes_in(
    warroom: Warroom,
) -> None:
    await warroom.command("declare sev2 Fraud\x00 model \u202egnissim\u202c precision\x1b[31m")
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert incident.title == "Fraud model gnissim precision[31m"
    channel = str(warroom.incident_channel(1).id)

    await warroom.command("note first line\x00\nsecond\u2066 line\x07", channel=channel)
    await warroom.settle()
    note = next(e for e in warroom.rows(TimelineEntry) if e.kind == "note")
    assert note.text == "first line\nsecond line"


async def test_form_values_are_cleaned_too(warroom: Warroom) -> None:
    await warroom.command("declare")
    await warroom.settle()
    form = warroom.fake.calls_to("views.open")[-1].args["view"]
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Drift\x00 on\u202e amount"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev3"}}},
        "affected": {"affected": {"type": "plain_text_input", "value": "scorer\nv42\x00"}},
        "impact": {"impact": {"type": "plain_text_input", "value": "a\x00\r\nb\u2069"}},
    }
    response = await warroom.submit_view(form, state)
    assert response.status_code == 200
    await warroom.settle()
    [incident] = warroom.rows(Incident)
    assert (incident.title, incident.affected, incident.impact) == (
        "Drift on amount",
        "scorer v42",
        "a\nb",
    )


# What people type arrives escaped (`&lt;` for `<`) and is stored plain; every private reply
# must escape it again, or `<!channel>` and `<@U…>` typed as text become live markup.
MARKUP = "&lt;!channel&gt; &amp; &lt;@U0CAROL01&gt;"
SHOWN = "&lt;!channel&gt; &amp; &lt;@U0CAROL01&gt;"


async def test_the_resolve_refusal_escapes_the_pending_questions(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await warroom.command(f"decision Ship it {MARKUP}?", channel=channel)
    await warroom.settle()
    refused = await warroom.command("resolve", channel=channel)
    await warroom.settle()
    assert f"D-1 (Ship it {SHOWN}?)" in refused.everything
    assert "<!channel>" not in refused.everything and "<@U0CAROL01>" not in refused.everything


async def test_the_unknown_option_reply_escapes_the_options(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await warroom.command(f'decision Ship it? --options "Go {MARKUP}|Hold"', channel=channel)
    await warroom.settle()
    reply = await warroom.command("decide D-1 yolo because", channel=channel)
    await warroom.settle()
    assert f"`Go {SHOWN}`, `Hold`" in reply.everything
    assert "<!channel>" not in reply.everything and "<@U0CAROL01>" not in reply.everything


async def test_the_already_settled_reply_escapes_the_outcome(warroom: Warroom) -> None:
    channel = await war_room(warroom)
    await warroom.command(f'decision Ship it? --options "Go {MARKUP}|Hold"', channel=channel)
    await warroom.settle()
    await warroom.command("decide D-1 go legal agreed", channel=channel)
    await warroom.settle()
    again = await warroom.command("decide D-1 hold changed my mind", channel=channel)
    await warroom.settle()
    assert f"already settled by <@{warroom.people.alice}>: *Go {SHOWN}*" in again.everything
    assert "<!channel>" not in again.everything and "<@U0CAROL01>" not in again.everything


async def test_the_timeline_mentions_only_people_the_app_named(warroom: Warroom) -> None:
    p = warroom.people
    channel = await war_room(warroom)
    await warroom.command(f"assign tech-lead <@{p.bob}>", channel=channel)
    await warroom.command(f"note ask {p.dana} and {MARKUP}", channel=channel)
    await warroom.settle()
    reply = await warroom.command("timeline", channel=channel)
    text = await reply.wait_for_later(lambda r: "timeline" in r)
    assert f"Tech Lead: <@{p.bob}>" in text  # the app named Bob: a mention
    assert f"ask {p.dana} and {SHOWN}" in text  # typed: plain text, never a mention
    assert f"<@{p.dana}>" not in text and "<@U0CAROL01>" not in text and "<!channel>" not in text
