"""Fake ``auth.test``, ``users.info``, ``usergroups.users.list`` and ``apps.connections.open``."""

from __future__ import annotations

import secrets
from typing import Any

from tests.fakes.slack_json import user_json
from tests.fakes.slack_state import ApiError, Workspace
from tests.fakes.web_common import Args, web_method


@web_method("auth.test")
def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "url": "https://fake.slack.test/",
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


@web_method("users.info")
def users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    return {"user": user_json(ws, ws.get_user(args.string("user")))}


@web_method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, args: Args) -> dict[str, Any]:
    members = ws.user_groups.get(args.string("usergroup") or "")
    if members is None:
        raise ApiError("no_such_subteam")
    return {"users": list(members)}


@web_method("apps.connections.open")
def apps_connections_open(ws: Workspace, args: Args) -> dict[str, Any]:
    """A one-off Socket Mode URL on this server (``ws://`` instead of Slack's ``wss://``)."""
    ticket = secrets.token_hex(16)
    ws.socket_tickets.add(ticket)
    ws_base = ws.base_url.replace("http://", "ws://", 1)
    return {"url": f"{ws_base}/socket-mode?ticket={ticket}&app_id={ws.app_id}"}
