"""Builders for what Slack sends to an app: slash commands, interactivity, Events API.

Shapes follow ``samples/app-backend/`` and ``samples/events/`` of the Slack reference, reduced
to the keys Bolt and an app read. ``*_payload`` functions return the dict (what Socket Mode
envelopes carry); ``*_body`` functions return the HTTP body bytes Slack would POST.
Pass ``trigger_id=fake.issue_trigger_id()`` / ``response_url=fake.new_response_url()`` to make
them usable against :class:`tests.fakes.slack_api.FakeSlack`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
DEFAULT_TEAM_ID = "T0TEAM"
DEFAULT_APP_ID = "A0APP"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0TEAM/1/placeholder"
DEFAULT_TRIGGER_ID = "1.1700000000.placeholder"

_event_numbers = itertools.count(1)


# -- signatures -----------------------------------------------------------------------------------


def sign(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str = FORM_CONTENT_TYPE,
) -> dict[str, str]:
    """Headers of a signed Slack request (timestamp defaults to now)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(signing_secret, timestamp, body),
        "Content-Type": content_type,
    }


def _form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """An interactivity POST body: form-encoded ``payload=<json>``."""
    return _form({"payload": json.dumps(payload)})


# -- slash commands -------------------------------------------------------------------------------


def slash_command_payload(
    text: str,
    *,
    command: str = "/incident",
    user_id: str = "U0USER",
    user_name: str = "alice",
    channel_id: str = "C0CHANNEL",
    channel_name: str = "general",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = "fake",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str = DEFAULT_TRIGGER_ID,
) -> dict[str, str]:
    """The fields of a slash command invocation."""
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": DEFAULT_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def slash_command_body(text: str, **fields: Any) -> bytes:
    """A slash command POST body, form-encoded like Slack's (keywords: slash_command_payload)."""
    return _form(slash_command_payload(text, **fields))


# -- interactivity --------------------------------------------------------------------------------


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": "fake"}


def block_actions_payload(
    *,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    user_id: str = "U0USER",
    user_name: str = "alice",
    channel_id: str = "C0CHANNEL",
    channel_name: str = "general",
    message: dict[str, Any] | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str = DEFAULT_TRIGGER_ID,
    response_url: str = DEFAULT_RESPONSE_URL,
    action_ts: str | None = None,
    extra_action: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one action on a message's block.

    ``message`` is the message as the app posted it (``ts``, ``text``, ``blocks``...);
    ``extra_action`` adds element-specific keys (e.g. ``selected_option``).
    """
    message = {"type": "message", "ts": "1700000000.000100", "text": "", **(message or {})}
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": action_ts or f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    action.update(extra_action or {})
    return {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": DEFAULT_APP_ID,
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def block_actions_body(**fields: Any) -> bytes:
    """A ``block_actions`` POST body (keywords: :func:`block_actions_payload`)."""
    return interactive_body(block_actions_payload(**fields))


def _view(
    callback_id: str,
    *,
    view_id: str,
    private_metadata: str,
    state_values: dict[str, Any],
    team_id: str,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Warroom"},
        "blocks": [],
        "state": {"values": state_values},
        "hash": "1700000000.fakehash",
        "root_view_id": view_id,
        "previous_view_id": None,
        "external_id": "",
        "app_id": DEFAULT_APP_ID,
        "bot_id": "B0BOT",
    }


def view_submission_payload(
    callback_id: str,
    state_values: dict[str, Any],
    *,
    user_id: str = "U0USER",
    user_name: str = "alice",
    private_metadata: str = "",
    view_id: str = "V0VIEW",
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str = DEFAULT_TRIGGER_ID,
) -> dict[str, Any]:
    """A ``view_submission`` payload. ``state_values`` is ``view.state.values``:
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``."""
    view = _view(
        callback_id,
        view_id=view_id,
        private_metadata=private_metadata,
        state_values=state_values,
        team_id=team_id,
    )
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": DEFAULT_APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission_body(callback_id: str, state_values: dict[str, Any], **fields: Any) -> bytes:
    """A ``view_submission`` POST body (keywords: :func:`view_submission_payload`)."""
    return interactive_body(view_submission_payload(callback_id, state_values, **fields))


def view_closed_payload(
    callback_id: str,
    *,
    user_id: str = "U0USER",
    user_name: str = "alice",
    private_metadata: str = "",
    view_id: str = "V0VIEW",
    team_id: str = DEFAULT_TEAM_ID,
    is_cleared: bool = False,
) -> dict[str, Any]:
    """A ``view_closed`` payload (sent only for modals opened with ``notify_on_close``)."""
    view = _view(
        callback_id,
        view_id=view_id,
        private_metadata=private_metadata,
        state_values={},
        team_id=team_id,
    )
    return {
        "type": "view_closed",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": DEFAULT_APP_ID,
        "token": "verification-token-unused",
        "view": view,
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed_body(callback_id: str, **fields: Any) -> bytes:
    """A ``view_closed`` POST body (keywords: :func:`view_closed_payload`)."""
    return interactive_body(view_closed_payload(callback_id, **fields))


# -- Events API -----------------------------------------------------------------------------------


def event_callback_payload(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    event_time: int | None = None,
    bot_user_id: str = "U0BOT",
) -> dict[str, Any]:
    """An ``event_callback`` envelope around ``event`` (e.g. ``{"type": "app_mention", ...}``)."""
    event_time = int(time.time()) if event_time is None else event_time
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "enterprise_id": None,
        "api_app_id": DEFAULT_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_numbers):010d}",
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{team_id}",
    }


def event_callback_body(event: dict[str, Any], **fields: Any) -> bytes:
    """An Events API POST body, JSON (keywords: :func:`event_callback_payload`)."""
    return json.dumps(event_callback_payload(event, **fields)).encode()


def url_verification_body(challenge: str) -> bytes:
    """The Events API handshake Slack sends when the request URL is configured."""
    payload = {"token": "verification-token-unused", "challenge": challenge}
    return json.dumps({**payload, "type": "url_verification"}).encode()
