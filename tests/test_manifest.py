"""manifest.yaml is what a user pastes into Slack: it must be valid and grant what the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema

from tests.fakes.reference import bot_scopes, manifest_schema, method_exists
from tests.manifest import load_manifest, manifest_bot_scopes

APP = Path(__file__).resolve().parent.parent / "app"
# `client.chat_postMessage(` and friends: the SDK's method name with dots as underscores.
_FAMILIES = "apps|auth|chat|conversations|files|pins|reactions|usergroups|users|views"
_CALL = re.compile(rf"\.((?:{_FAMILIES})_[A-Za-z_]+)\(")


def web_api_methods_called() -> set[str]:
    found = set()
    for path in APP.rglob("*.py"):
        for name in _CALL.findall(path.read_text()):
            found.add(name.replace("_", "."))
    return found


def test_the_manifest_is_valid_against_slacks_schema() -> None:
    manifest = load_manifest()
    major = manifest["_metadata"]["major_version"]
    errors = list(jsonschema.Draft7Validator(manifest_schema(f"{major}.0.0")).iter_errors(manifest))
    assert errors == [], [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_manifest_sets_up_what_the_app_serves() -> None:
    manifest = load_manifest()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/incident" and command["should_escape"] is True
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert "reaction_added" in settings["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    urls = {
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")  # one Request URL


def test_every_web_api_method_the_code_calls_is_granted_by_a_bot_scope() -> None:
    called = web_api_methods_called()
    assert {"conversations.create", "chat.postMessage", "pins.add", "views.open"} <= called
    granted = manifest_bot_scopes()
    uncovered = {}
    for method in sorted(called):
        assert method_exists(method), f"{method} is not a Slack Web API method"
        needs = bot_scopes(method)
        if needs and not granted & set(needs):
            uncovered[method] = needs
    assert uncovered == {}, f"add one of these bot scopes to manifest.yaml: {uncovered}"


def test_events_the_app_listens_to_have_their_scopes() -> None:
    granted = manifest_bot_scopes()
    events = set(load_manifest()["settings"]["event_subscriptions"]["bot_events"])
    if events & {"reaction_added", "reaction_removed"}:
        assert "reactions:read" in granted
