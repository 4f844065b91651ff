"""The status page's rules, pure: Slack's words as plain text, Warroom's states in
Statuspage's words, components from the catalog, and the page built from posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.catalog import BusinessFunction, Catalog, PublicFace, System
from app.domain.public_text import plain_text
from app.domain.status_page import (
    HistoryEntry,
    Post,
    build_page,
    component_defs,
    impact_for_rank,
    public_status,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("*Service update*\nWe are on it.", "Service update\nWe are on it."),
        ("_soon_ and ~never~ `code`", "soon and never code"),
        ("snake_case_name and 2*3*4 stay", "snake_case_name and 2*3*4 stay"),
        ("Fish &amp; chips &lt;b&gt;", "Fish & chips <b>"),
        ("&amp;lt; stays escaped once", "&lt; stays escaped once"),
        (
            "<!date^1795345200^{date_short_pretty} at {time}|2026-11-22 11:00 UTC>",
            "22 Nov 2026, 12:00 CET",
        ),
        ("<!date^nonsense|the fallback>", "the fallback"),
        (
            "See <https://status.example.com/x|our notes>.",
            "See our notes (https://status.example.com/x).",
        ),
        ("See <https://example.com>.", "See https://example.com."),
        ("Mail <mailto:help@example.com|help@example.com>", "Mail help@example.com"),
        ("Ask <@U0ALICE01> or <!subteam^S0COMMS|comms>", "Ask our team or our team"),
        ("In <#C0INC1|inc-1-secret-title> <!here> now", "In now"),
        ("bell\x07 and\x00 nul", "bell and nul"),
        ("a\n\n\n\nb  \n", "a\n\nb"),
    ],
)
def test_slack_words_become_plain_text(sent: str, shown: str) -> None:
    assert plain_text(sent, BERLIN) == shown


def test_warroom_states_in_statuspages_words() -> None:
    assert [public_status(s, resolution=False) for s in ("investigating", "contained")] == [
        "investigating",
        "identified",
    ]
    assert public_status("remediating", resolution=False) == "identified"
    assert public_status("verifying", resolution=False) == "monitoring"
    assert public_status("verifying", resolution=True) == "resolved"
    assert [impact_for_rank(r) for r in range(5)] == [
        "critical",
        "major",
        "minor",
        "minor",
        "minor",
    ]


def catalog() -> Catalog:
    return Catalog(
        {
            "api": System("api", "service", public=PublicFace("Payments API", "Cards")),
            "scorer": System("scorer", "model", depends_on=("api",), serves=("payments",)),
            "api-eu": System("api-eu", "service", public=PublicFace("Payments API")),
        },
        {
            "payments": BusinessFunction(
                "payments", "Payments (internal)", public=PublicFace("Payments")
            )
        },
    )


def test_components_are_public_entries_one_per_name() -> None:
    defs = component_defs(catalog())
    assert [(d.name, d.description, sorted(d.refs)) for d in defs] == [
        ("Payments API", "Cards", ["system:api", "system:api-eu"]),
        ("Payments", "", ["function:payments"]),
    ]
    assert len({d.id for d in defs}) == 2 and all(len(d.id) == 12 for d in defs)


def post(n: int, incident: str, at: datetime, status: str, impact: str = "major", refs=()) -> Post:
    kind = "resolution" if status == "resolved" else "update"
    return Post(n, incident, at, kind, status, impact, f"Heading {incident}\nBody {n}", tuple(refs))


def test_the_page_from_posts() -> None:
    defs = component_defs(catalog())
    posts = [
        post(1, "aaa", NOON, "investigating", "critical", ["system:api"]),
        post(2, "aaa", NOON + timedelta(minutes=30), "monitoring", "major", ["system:api"]),
        post(3, "bbb", NOON - timedelta(days=3), "investigating", "minor", ["function:payments"]),
        post(4, "bbb", NOON - timedelta(days=2), "resolved", "minor", ["function:payments"]),
    ]
    page = build_page(posts, defs, date(2026, 11, 22), BERLIN, days=5)
    assert page.indicator == "major" and page.description == "Partial System Outage"
    [open_one] = page.active
    assert (open_one.name, open_one.status, open_one.impact) == (
        "Heading aaa",
        "monitoring",
        "major",
    )
    assert [u.body for u in open_one.updates] == ["Heading aaa\nBody 2", "Heading aaa\nBody 1"]
    assert open_one.monitoring_at == NOON + timedelta(minutes=30) and open_one.resolved_at is None
    assert {c.name: c.status for c in page.components} == {
        "Payments API": "partial_outage",  # the open incident's latest impact
        "Payments": "operational",  # its incident is resolved
    }
    assert page.history == (
        HistoryEntry(date(2026, 11, 20), date(2026, 11, 22)),
        HistoryEntry(date(2026, 11, 19), date(2026, 11, 19), (page.recent[1],)),
        HistoryEntry(date(2026, 11, 18), date(2026, 11, 18)),
    )
    assert [i.id for i in page.recent] == ["aaa", "bbb"]
    assert [u.body for _, u in page.feed()][:2] == ["Heading aaa\nBody 2", "Heading aaa\nBody 1"]


def test_a_quiet_page() -> None:
    page = build_page([], [], date(2026, 11, 22), BERLIN)
    assert (page.indicator, page.active, page.updated_at) == ("none", (), None)
    assert page.history == (HistoryEntry(date(2026, 8, 25), date(2026, 11, 22)),)
