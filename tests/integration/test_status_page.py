"""The public status page, driven the way Slack drives Warroom: signed requests declare, publish
to audiences and resolve; a visitor reads GET /status, /status.json and /status.atom."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from xml.etree import ElementTree

import httpx
import pytest

from app.persistence.tables import StatusPost
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.status_pages import (
    INTERNAL_TITLE,
    after_recheck,
    internal_words,
    status_config,
    visible_text,
)

ATOM = "{http://www.w3.org/2005/Atom}"
CUSTOMER_WORDS = "Card payments <script>alert(1)</script> & refunds are delayed"


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, config=status_config())
    await warroom.start()
    yield warroom
    await warroom.stop()


async def declare(room: Warroom, severity: str = "sev1", affects: str = "fraud-scorer") -> str:
    """A declared incident's channel; alice declared it and commands it."""
    number = len(room.rows(StatusPost)) + 1000  # any distinct text
    await room.command(f"declare {severity} {INTERNAL_TITLE} {number} --affects {affects}")
    await room.settle()
    incidents = room.fake.channels()
    return str(max((c for c in incidents if c.name.startswith("inc-")), key=lambda c: c.name).id)


async def show(room: Warroom, path: str = "/status") -> httpx.Response:
    response = await room.http.get(path)
    assert response.status_code == 200, response.text
    return response


async def test_the_page_follows_each_customer_update_and_nothing_else(room: Warroom) -> None:
    people = [room.people.alice, "alice", room.people.dana, "dana"]
    quiet = await show(room)
    assert quiet.headers["content-type"] == "text/html; charset=utf-8"
    text = visible_text(quiet.text)
    assert "All Systems Operational" in text and "Current incidents" not in text
    assert "Payments API Card authorisation Operational" in text
    assert "Search Operational" in text and "no incidents reported" in text

    channel = await declare(room)
    await room.command(f"assign comms <@{room.people.dana}>", channel=channel)
    await room.publish_update(
        channel,
        user=room.people.dana,
        audiences=["technical", "business", "executive"],
        what_changed="Executives only: the scorer is rolled back",
        impact="Executives only: 4,000 declines",
    )
    assert (await show(room)).text == quiet.text  # nobody told customers anything yet

    await room.publish_update(
        channel, user=room.people.dana, audiences=["technical", "customer"], impact=CUSTOMER_WORDS
    )
    first = await show(room)
    text = visible_text(first.text)
    assert "Partial System Outage" not in text and "Major Service Outage" in text
    assert "Current incidents Service update Investigating · Major outage" in text
    assert "Affects Payments API, Payments" in text
    assert f"What this means for you: {CUSTOMER_WORDS}" in text  # the approved words, exactly
    assert "We will share another update by 22 Nov 2026, 03:30 CET" in text  # Slack's date, local
    assert "Payments API Card authorisation Major outage" in text and "Search Operational" in text
    assert "<script>" not in first.text and "&lt;script&gt;" in first.text
    assert "&amp; refunds" in first.text
    for word in [*internal_words(people), "Executives only", "*Service update*"]:
        assert word not in first.text, word

    # A new phase shows once customers are told about it, not before.
    await room.command("status contained rolled back", channel=channel)
    await room.settle()
    assert (await show(room)).text == first.text
    await room.tick(5)
    await room.publish_update(
        channel, user=room.people.dana, audiences=["customer"], impact="Refunds are on their way"
    )
    text = visible_text((await show(room)).text)
    assert "Service update Identified · Major outage" in text
    assert text.index("Refunds are on their way") < text.index(CUSTOMER_WORDS)  # newest first

    await room.command("resolve scorer rolled back; payments flow again", channel=channel)
    await room.settle()
    resolved = await show(room)
    text = visible_text(resolved.text)
    assert "All Systems Operational" in text and "Current incidents" not in text
    assert "Payments API Card authorisation Operational" in text
    assert "Past incidents 22 November 2026 Service update Resolved" in text
    assert re.search(r"3 updates, from 22 Nov 2026, 03:00 CET to 22 Nov 2026, 03:0\d CET", text)
    assert "has been resolved and the service is operating normally" in text
    assert "scorer rolled back" not in text  # the resolver's summary is not customer wording
    for word in internal_words(people):
        assert word not in resolved.text, word


async def test_the_json_has_statuspages_summary_shape(room: Warroom) -> None:
    channel = await declare(room, "sev2")
    await room.publish_update(channel, audiences=["customer"], impact=CUSTOMER_WORDS)
    response = await show(room, "/status.json")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    assert b"<script>" not in response.content  # escaped as \u003c even inside JSON
    summary = response.json()
    assert set(summary) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert summary["page"] == {
        "id": summary["page"]["id"],
        "name": "Acme status",
        "url": "https://status.example.com/status",
        "time_zone": "Europe/Berlin",
        "updated_at": "2026-11-22T03:00:00.000+01:00",
    }
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    states = {c["name"]: c["status"] for c in summary["components"]}
    assert states == {
        "Payments API": "partial_outage",
        "Search": "operational",
        "Payments": "partial_outage",
    }
    assert [c["position"] for c in summary["components"]] == [1, 2, 3]
    [incident] = summary["incidents"]
    assert incident["name"] == "Service update" and incident["status"] == "investigating"
    assert incident["impact"] == "major" and incident["resolved_at"] is None
    assert incident["shortlink"] == f"https://status.example.com/status#incident-{incident['id']}"
    [update] = incident["incident_updates"]
    assert update["status"] == "investigating" and update["created_at"] == incident["created_at"]
    assert f"What this means for you: {CUSTOMER_WORDS}" in update["body"]
    assert update["body"].startswith("Service update\nWe are aware of an issue")
    assert [c["name"] for c in incident["components"]] == ["Payments API", "Payments"]
    for word in internal_words([room.people.alice, "alice"]):
        assert word not in response.text, word

    await room.command("resolve done", channel=channel)
    await room.settle()
    after = (await show(room, "/status.json")).json()
    assert after["incidents"] == []  # as Statuspage: only unresolved incidents in the summary
    assert after["status"] == {"indicator": "none", "description": "All Systems Operational"}
    [past] = (await show(room, "/api/v2/incidents.json")).json()["incidents"]
    assert past["id"] == incident["id"] and past["status"] == "resolved"
    assert past["resolved_at"] == past["incident_updates"][0]["created_at"]
    assert [u["status"] for u in past["incident_updates"]] == ["resolved", "investigating"]
    assert (await show(room, "/api/v2/summary.json")).content == (
        await show(room, "/status.json")
    ).content
    assert set((await show(room, "/api/v2/status.json")).json()) == {"page", "status"}


async def test_the_atom_feed_has_an_entry_per_customer_update(room: Warroom) -> None:
    empty = ElementTree.fromstring((await show(room, "/status.atom")).content)
    assert empty.tag == f"{ATOM}feed" and empty.findall(f"{ATOM}entry") == []
    channel = await declare(room)
    await room.publish_update(channel, audiences=["customer"], impact=CUSTOMER_WORDS)
    await room.publish_update(channel, audiences=["executive"], impact="Executives only")
    await room.command("resolve done", channel=channel)
    await room.settle()

    response = await show(room, "/status.atom")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Acme status"
    assert feed.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Acme status"
    assert feed.findtext(f"{ATOM}updated") == "2026-11-22T02:00:00+00:00"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert (
        self_link is not None and self_link.get("href") == "https://status.example.com/status.atom"
    )
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Service update: Resolved",
        "Service update: Investigating",
    ]
    newest, first = entries
    content = first.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "text"
    assert f"What this means for you: {CUSTOMER_WORDS}" in (content.text or "")
    assert "has been resolved" in (newest.findtext(f"{ATOM}content") or "")
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert len(ids) == 2 and all(i and i.startswith("urn:uuid:") for i in ids)
    link = first.find(f"{ATOM}link")
    assert link is not None and link.get("href", "").startswith(
        "https://status.example.com/status#incident-"
    )
    assert "Executives only" not in response.text and INTERNAL_TITLE not in response.text


async def test_components_follow_the_open_incidents_that_affect_them(room: Warroom) -> None:
    def states(summary: dict) -> dict[str, str]:
        return {c["name"]: c["status"] for c in summary["components"]}

    payments = await declare(room, "sev2", "fraud-scorer")
    await room.publish_update(payments, audiences=["customer"], impact="Slow card payments")
    search = await declare(room, "sev3", "search-ranker")
    await room.publish_update(search, audiences=["customer"], impact="Search is slow")
    assert states((await show(room, "/status.json")).json()) == {
        "Payments API": "partial_outage",  # sev2: the second most severe
        "Search": "degraded_performance",  # sev3 and below
        "Payments": "partial_outage",  # the business function fraud-scorer serves
    }
    # The feature store under both: every public system and function downstream of it.
    store = await declare(room, "sev1", "fs-online")
    summary = (await show(room, "/status.json")).json()
    assert states(summary)["Search"] == "degraded_performance"  # not told customers yet
    await room.publish_update(store, audiences=["customer"], impact="Everything is slow")
    summary = (await show(room, "/status.json")).json()
    assert set(states(summary).values()) == {"major_outage"}
    assert summary["status"]["indicator"] == "critical" and len(summary["incidents"]) == 3

    for channel in (store, payments):
        await room.command("resolve fixed", channel=channel)
        await room.settle()
    summary = (await show(room, "/status.json")).json()
    assert states(summary) == {
        "Payments API": "operational",
        "Search": "degraded_performance",
        "Payments": "operational",
    }
    assert summary["status"] == {"indicator": "minor", "description": "Minor Service Outage"}


async def test_the_history_shows_ninety_days(room: Warroom) -> None:
    old = await declare(room)
    await room.publish_update(old, audiences=["customer"], impact="The old one")
    await room.command("resolve fixed", channel=old)
    await room.settle()
    room.clock.advance(timedelta(days=40))
    recent = await declare(room, "sev2")
    await room.publish_update(recent, audiences=["customer"], impact="The recent one")
    await room.command("resolve fixed", channel=recent)
    await room.settle()

    text = visible_text((await show(room)).text)
    assert "The old one" in text and "The recent one" in text
    days = re.findall(
        r"(?:\d+ \w+ \d{4} to )?\d+ \w+ \d{4}: no incidents reported|\d+ \w+ \d{4} Service update",
        text,
    )
    assert days == [
        "1 January 2027 Service update",  # today, in Berlin
        "23 November 2026 to 31 December 2026: no incidents reported",
        "22 November 2026 Service update",
        "4 October 2026 to 21 November 2026: no incidents reported",  # 90 days in all
    ]

    room.clock.advance(timedelta(days=60))  # the first one is now 100 days old
    await after_recheck(room)  # nothing was published: the day is checked every second
    text = visible_text((await show(room)).text)
    assert "The old one" not in text and "The recent one" in text
    days = re.findall(
        r"(?:\d+ \w+ \d{4} to )?\d+ \w+ \d{4}: no incidents reported|\d+ \w+ \d{4} Service update",
        text,
    )
    assert days == [
        "2 January 2027 to 2 March 2027: no incidents reported",
        "1 January 2027 Service update",
        "3 December 2026 to 31 December 2026: no incidents reported",
    ]
    assert len((await show(room, "/api/v2/incidents.json")).json()["incidents"]) == 1


async def test_a_drill_never_reaches_the_page(room: Warroom) -> None:
    await room.command("drill fraud-precision-drop")
    await room.settle()
    [drill] = [c for c in room.fake.channels() if c.name.startswith("drill-")]
    await room.publish_update(str(drill.id), audiences=["customer"], impact="Drill words")
    assert "Drill words" in json.dumps(room.texts(str(drill.id)))
    assert room.rows(StatusPost) == []
    assert "Drill words" not in (await show(room)).text


async def test_answers_are_cached_conditional_and_get_only(room: Warroom) -> None:
    first = await show(room)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    policy = first.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    again = await room.http.get("/status", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    head = await room.http.head("/status.json")
    assert head.status_code == 200 and head.content == b""
    assert (await room.http.post("/status", content=b"x")).status_code == 405
    assert (await room.http.delete("/status.json")).status_code == 405

    channel = await declare(room)
    await room.publish_update(channel, audiences=["customer"], impact="Slow")
    changed = await room.http.get("/status", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag  # seen at once
