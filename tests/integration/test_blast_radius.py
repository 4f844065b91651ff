"""The catalog in an incident: what is affected, its blast radius, the people in it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.config import parse_config
from app.persistence.tables import AffectedSystem, Incident, RoleAssignment, TimelineEntry
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

RISK, DATA, GROWTH, ML, SUPPORT_LEAD = (
    "U0RISK001",
    "U0DATA001",
    "U0GROW001",
    "U0ML00001",
    "U0SUPP001",
)
SUPPORT_TEAM = "S0SUPPORT"

CATALOG: dict[str, Any] = {
    "roles": {"risk-owner": {"description": "Speaks for fraud & risk"}},
    "business_functions": {
        "risk": {"name": "Fraud & risk", "owners": [RISK], "role": "risk-owner"},
        "support": {"name": "Customer support", "owners": [SUPPORT_TEAM]},
        "retention": {"name": "Retention offers", "owners": [GROWTH]},
    },
    "catalog": {
        "fs-online": {
            "kind": "feature_store",
            "description": "Online feature store (Redis)",
            "owners": [DATA],
        },
        "fraud-scorer": {
            "kind": "model",
            "owners": [ML],
            "depends_on": ["fs-online"],
            "serves": ["risk"],
            "risk_tier": "critical",
            "links": {"dashboard": "https://grafana.example.com/d/fraud"},
        },
        "churn-model": {
            "kind": "model",
            "depends_on": ["fs-online"],
            "serves": ["retention"],
            "risk_tier": "moderate",
        },
        "search-ranker": {"kind": "model", "depends_on": ["fs-online"], "serves": ["support"]},
        "offers-feed": {"kind": "pipeline", "depends_on": ["churn-model"]},
        "kyc-checker": {"kind": "service", "serves": ["risk"], "risk_tier": "high"},
    },
}


@pytest.fixture
async def catalogued(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(fake, sqlite_url, config=parse_config(CATALOG))
    await room.start()
    for user, name in [(RISK, "rita"), (DATA, "dev"), (GROWTH, "gus"), (ML, "mel")]:
        fake.add_user(user, name)
    fake.add_user(SUPPORT_LEAD, "sue")
    fake.add_user_group(SUPPORT_TEAM, [SUPPORT_LEAD])
    yield room
    await room.stop()


def holders(room: Warroom) -> dict[str, str]:
    return {a.role: a.user_id for a in room.rows(RoleAssignment) if a.ended_at is None}


async def test_a_feature_store_outage_reaches_every_model_function_and_owner(
    catalogued: Warroom,
) -> None:
    room = catalogued
    reply = await room.command("declare sev2 Feature store outage --affects fs-online")
    await room.settle()
    [incident] = room.rows(Incident)
    assert incident.title == "Feature store outage"
    channel = room.incident_channel(1)
    radius = room.said(channel.id, "Blast radius")
    assert "6 systems" not in radius and "5 systems, 3 business functions" in radius
    for key in ("fs-online", "fraud-scorer", "churn-model", "search-ranker", "offers-feed"):
        assert f"`{key}`" in radius
    assert "kyc-checker" not in radius  # not downstream of the feature store
    assert (
        "Fraud &amp; risk" in radius
        and "Customer support" in radius
        and "Retention offers" in radius
    )
    assert radius.index("Feature stores") < radius.index("Models")
    assert {DATA, ML, RISK, GROWTH, SUPPORT_LEAD} <= set(channel.members)  # group expanded
    assert holders(room)["risk-owner"] == RISK
    logged = [e.text for e in room.rows(TimelineEntry) if e.kind == "impact"]
    assert logged and "Affected: fs-online" in logged[0] and "offers-feed" in logged[0]
    assert "Declaring" in reply.everything


async def test_a_critical_tier_in_the_radius_offers_the_commander_a_higher_severity(
    catalogued: Warroom,
) -> None:
    room = catalogued
    await room.command("declare sev3 Feature store outage --affects fs-online")
    await room.settle()
    channel = room.incident_channel(1).id
    offer = next(m for m in room.fake.messages(channel) if "which suggests" in m.text)
    assert "critical-tier `fraud-scorer`" in offer.text and "SEV1" in offer.text
    assert room.rows(Incident)[0].severity == "sev3"  # never raised on its own

    _, url = await room.press(offer, "Raise to SEV1", user=room.people.bob)
    await room.settle()
    assert "only the commander" in json.dumps(room.fake.responses.get(url))
    assert room.rows(Incident)[0].severity == "sev3"

    await room.press(offer, "Raise to SEV1")  # Alice declared: she is the commander
    await room.settle()
    assert room.rows(Incident)[0].severity == "sev1"
    assert "Severity raised" in room.said(channel, "SEV1")


async def test_an_unknown_system_is_named_with_close_matches_and_nothing_is_created(
    catalogued: Warroom,
) -> None:
    room = catalogued
    reply = await room.command("declare sev2 Feature store outage --affects fs-onlne")
    await room.settle()
    assert "`fs-onlne` is not in the catalog" in reply.everything
    assert "Did you mean `fs-online`" in reply.everything
    assert room.rows(Incident) == []


async def test_systems_named_later_add_to_the_radius(catalogued: Warroom) -> None:
    room = catalogued
    await room.command("declare sev2 Churn offers look wrong")
    await room.settle()
    channel = room.incident_channel(1).id
    await room.command("affects churn-model", channel=channel)
    await room.settle()
    assert "2 systems, 1 business function" in room.said(channel, "Blast radius")
    again = await room.command("affects churn-model", channel=channel)
    await room.settle()
    assert "already affects `churn-model`" in again.everything
    await room.command("affects kyc-checker, fraud-scorer", channel=channel)
    await room.settle()
    assert "4 systems, 2 business functions" in room.said(channel, "4 systems")
    assert sorted(r.system for r in room.rows(AffectedSystem)) == [
        "churn-model",
        "fraud-scorer",
        "kyc-checker",
    ]
    impact = await room.command("impact", channel=channel)
    await room.settle()
    assert "INC-1 blast radius" in impact.everything and "Retention offers" in impact.everything


async def test_the_catalog_answers_anywhere(catalogued: Warroom) -> None:
    room = catalogued
    listing = await room.command("catalog")
    one = await room.command("catalog fraud-scorer")
    missing = await room.command("catalog fraud")
    await room.settle()
    assert "Feature stores" in listing.everything and "Fraud &amp; risk" in listing.everything
    shown = one.everything
    assert "critical tier" in shown and "`fs-online`" in shown and f"<@{ML}>" in shown
    assert "grafana.example.com/d/fraud" in shown
    assert "Did you mean `fraud-scorer`" in missing.everything


async def test_the_declare_form_offers_the_catalog_and_declares_with_its_radius(
    catalogued: Warroom,
) -> None:
    room = catalogued
    await room.command("declare")
    await room.settle()
    view = room.fake.calls_to("views.open")[-1].args["view"]
    systems = next(b for b in view["blocks"] if b["block_id"] == "systems")["element"]
    assert systems["type"] == "multi_static_select"
    assert {o["value"] for o in systems["options"]} == set(CATALOG["catalog"])
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Churn offers look wrong"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev3"}}},
        "systems": {
            "systems": {
                "type": "multi_static_select",
                "selected_options": [{"value": "churn-model"}],
            }
        },
    }
    body = slack_requests.view_submission_body(
        "declare_incident", state, private_metadata=view["private_metadata"]
    )
    await room.post(body)
    await room.settle()
    assert [r.system for r in room.rows(AffectedSystem)] == ["churn-model"]
    radius = room.said(room.incident_channel(1).id, "Blast radius")
    assert "2 systems, 1 business function" in radius and "`offers-feed`" in radius


async def test_a_catalog_past_a_hundred_systems_is_searched_as_people_type(
    fake: FakeSlack, sqlite_url: str
) -> None:
    big = {f"model-{n:03d}": {"kind": "model"} for n in range(150)}
    room = Warroom(fake, sqlite_url, config=parse_config({"catalog": big}))
    await room.start()
    try:
        await room.command("declare")
        await room.settle()
        view = room.fake.calls_to("views.open")[-1].args["view"]
        systems = next(b for b in view["blocks"] if b["block_id"] == "systems")["element"]
        assert systems["type"] == "multi_external_select"
        response = await room.interact(
            {
                "type": "block_suggestion",
                "action_id": "systems",
                "block_id": "systems",
                "value": "model-14",
                "user": {"id": room.people.alice},
                "team": {"id": "T0TEAM"},
                "api_app_id": "A0APP",
                "view": {"id": "V1", "callback_id": "declare_incident"},
            }
        )
        offered = [o["value"] for o in response.json()["options"]]
        assert offered == [f"model-14{n}" for n in range(10)]
    finally:
        await room.stop()


async def test_updates_speak_business_to_business_and_systems_to_engineers(
    catalogued: Warroom,
) -> None:
    room = catalogued
    await room.command("declare sev1 Feature store outage --affects fs-online")
    await room.settle()
    channel = room.incident_channel(1).id
    await room.tick(30)
    business = room.texts(room.audience_channels["biz-updates"])[-1]
    executive = room.texts(room.audience_channels["exec-updates"])[-1]
    for words in (business, executive):
        assert "Fraud &amp; risk" in words and "Retention offers" in words
        assert "fs-online" not in words and "fraud-scorer" not in words
    technical = room.said(channel, ":mega: *INC-1 update*")
    assert "`fs-online`" in technical and "Fraud &amp; risk" not in technical
    summary = await room.command("summary", channel=channel)
    await room.settle()
    assert "Customer support" in summary.everything and "fs-online" not in summary.everything
    home = await room.open_home(room.people.alice, "EvHome1")
    assert "Affects Fraud &amp; risk" in json.dumps(home)
