"""Fake ``views.*`` methods: modals (open/push/update) and the Home tab (publish)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from tests.fakes.blockkit import validate_view
from tests.fakes.slack_state import ApiError, Workspace
from tests.fakes.web_common import Args, web_method

VIEW_MAX_BYTES = 250_000
MODAL_STACK_MAX = 3


def _view_arg(args: Args, allowed_types: set[str]) -> dict[str, Any]:
    """The validated ``view`` argument; Slack answers ``invalid_arguments`` with details."""
    view = args.json_value("view", error="invalid_arguments")
    errors = validate_view(view, allowed_types=allowed_types)
    if errors:
        messages = [f"[ERROR] {e}" for e in errors]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    if len(json.dumps(view)) > VIEW_MAX_BYTES:
        raise ApiError("view_too_large")
    return dict(view)


def _check_external_id(ws: Workspace, view: dict[str, Any], own_id: str | None) -> None:
    external_id = view.get("external_id")
    if not external_id:
        return
    for view_id, stored in ws.views.items():
        if view_id != own_id and stored.get("external_id") == external_id:
            raise ApiError("duplicate_external_id")


def _store_view(
    ws: Workspace,
    view: dict[str, Any],
    *,
    view_id: str | None = None,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    """Save ``view`` as Slack returns it (id, hash, state...) and return the stored copy."""
    _check_external_id(ws, view, view_id)
    view_id = view_id or ws.new_id("V")
    stored = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "title": view.get("title"),
        "submit": view.get("submit"),
        "close": view.get("close"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{ws.now()}.{secrets.token_hex(4)}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "submit_disabled": bool(view.get("submit_disabled", False)),
        "root_view_id": root_view_id or view_id,
        "previous_view_id": previous_view_id,
        "app_id": ws.app_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    ws.views[view_id] = stored
    return stored


def _stack_depth(ws: Workspace, view_id: str | None) -> int:
    depth = 0
    while view_id and view_id in ws.views:
        depth += 1
        view_id = ws.views[view_id]["previous_view_id"]
    return depth


def _trigger(args: Args) -> str | None:
    return args.string("trigger_id") or args.string("interactivity_pointer")


@web_method("views.open")
def views_open(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args, {"modal"})
    ws.exchange_trigger(_trigger(args))
    return {"view": _store_view(ws, view)}


@web_method("views.push")
def views_push(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args, {"modal"})
    parent_id = ws.exchange_trigger(_trigger(args))
    parent = ws.views.get(parent_id or "")
    if parent is None:
        return {"view": _store_view(ws, view)}
    if _stack_depth(ws, parent_id) >= MODAL_STACK_MAX:
        raise ApiError("push_limit_reached")
    stored = _store_view(
        ws, view, root_view_id=parent["root_view_id"], previous_view_id=parent["id"]
    )
    return {"view": stored}


def _find_view(ws: Workspace, args: Args) -> dict[str, Any]:
    if args.has("view_id"):
        found = ws.views.get(args.string("view_id") or "")
    elif args.has("external_id"):
        wanted = args.string("external_id")
        found = next((v for v in ws.views.values() if v["external_id"] == wanted), None)
    else:
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] either view_id or external_id is required"]},
        )
    if found is None:
        raise ApiError("not_found")
    return found


def _check_hash(args: Args, current: dict[str, Any] | None) -> None:
    if args.has("hash") and current is not None and args.string("hash") != current["hash"]:
        raise ApiError("hash_conflict")


@web_method("views.update")
def views_update(ws: Workspace, args: Args) -> dict[str, Any]:
    current = _find_view(ws, args)
    view = _view_arg(args, {current["type"]})
    _check_hash(args, current)
    stored = _store_view(
        ws,
        view,
        view_id=current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    for user_id, home in list(ws.home_views.items()):
        if home["id"] == stored["id"]:
            ws.home_views[user_id] = stored
    return {"view": stored}


@web_method("views.publish")
def views_publish(ws: Workspace, args: Args) -> dict[str, Any]:
    user_id = args.string("user_id") or ""
    if user_id not in ws.users:
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] unknown user_id {user_id!r}"]},
        )
    view = _view_arg(args, {"home"})
    current = ws.home_views.get(user_id)
    _check_hash(args, current)
    stored = _store_view(ws, view, view_id=current["id"] if current else None)
    ws.home_views[user_id] = stored
    return {"view": stored}
