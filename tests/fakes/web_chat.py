"""Fake ``chat.*``, ``pins.*`` and ``reactions.*`` methods, and posts to response URLs."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.blockkit import validate_blocks
from tests.fakes.slack_json import message_json
from tests.fakes.slack_state import (
    PERMALINK_HOST,
    RESPONSE_URL_MAX_POSTS,
    RESPONSE_URL_TTL_SECONDS,
    ApiError,
    Channel,
    Message,
    Workspace,
)
from tests.fakes.web_common import Args, web_method

TEXT_MAX = 40_000
ATTACHMENTS_MAX = 100
EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+$")
CONTENT_KEYS = ("text", "blocks", "attachments", "metadata")


def _blocks(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ApiError("invalid_blocks_format")
    errors = validate_blocks(value)
    if errors:
        messages = [f"[ERROR] {e}" for e in errors]
        raise ApiError("invalid_blocks", errors=errors, response_metadata={"messages": messages})
    return value


def _metadata(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    event_type = value.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise ApiError("invalid_metadata_schema")
    if not isinstance(value.get("event_payload"), dict):
        raise ApiError("invalid_metadata_schema")
    return value


def message_content(args: Args) -> dict[str, Any]:
    """Validated text/blocks/attachments/metadata present in ``args`` (absent keys omitted)."""
    content: dict[str, Any] = {}
    if "text" in args:
        text = args.string("text") or ""
        if len(text) > TEXT_MAX:
            raise ApiError("msg_too_long")
        content["text"] = text
    if "blocks" in args:
        content["blocks"] = _blocks(args.json_value("blocks", error="invalid_blocks_format"))
    if "attachments" in args:
        attachments = args.json_value("attachments", error="invalid_attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise ApiError("invalid_attachments")
        if attachments and len(attachments) > ATTACHMENTS_MAX:
            raise ApiError("too_many_attachments")
        content["attachments"] = attachments
    if "metadata" in args:
        content["metadata"] = _metadata(
            args.json_value("metadata", error="invalid_metadata_format")
        )
    return content


def _require_text(content: dict[str, Any]) -> None:
    if not (content.get("text") or content.get("blocks") or content.get("attachments")):
        raise ApiError("no_text")


def _edit(ws: Workspace, message: Message, content: dict[str, Any]) -> None:
    """Apply new content to ``message``, keeping the previous version in ``edits``."""
    previous = {key: getattr(message, key) for key in CONTENT_KEYS}
    message.edits.append({"edited_ts": ws.next_ts(), **previous})
    for key, value in content.items():
        setattr(message, key, value)


def _record_ephemeral(
    ws: Workspace, channel: Channel, user_id: str, content: dict[str, Any], thread_ts: Any
) -> str:
    ts = ws.next_ts()
    ws.ephemerals.append(
        {
            "channel": channel.id,
            "user": user_id,
            "text": content.get("text", ""),
            "blocks": content.get("blocks"),
            "thread_ts": thread_ts,
            "ts": ts,
        }
    )
    return ts


def _require_post_access(ws: Workspace, channel: Channel) -> None:
    """Bots post where they are members, or in any public channel with chat:write.public."""
    if ws.bot_user_id in channel.members:
        return
    if channel.kind == "public" and ws.has_scope("chat:write.public"):
        return
    raise ApiError("not_in_channel")


def _postable_channel(ws: Workspace, args: Args) -> Channel:
    channel = ws.resolve_post_target(args.string("channel") or "")
    ws.require_not_archived(channel)
    _require_post_access(ws, channel)
    return channel


@web_method("chat.postMessage")
def chat_post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _postable_channel(ws, args)
    content = message_content(args)
    _require_text(content)
    if not ws.take_post_token(channel.id):
        raise ApiError("ratelimited", status=429, headers={"Retry-After": "1"})
    message = ws.post(
        channel,
        thread_ts=args.string("thread_ts"),
        reply_broadcast=args.boolean("reply_broadcast"),
        **content,
    )
    rendered = message_json(ws, message, include_metadata=True)
    return {"channel": channel.id, "ts": message.ts, "message": rendered}


def _own_message_channel(ws: Workspace, args: Args) -> Channel:
    """chat.update/delete take a conversation ID only (no names)."""
    return ws.get_channel(args.string("channel"))


@web_method("chat.update")
def chat_update(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _own_message_channel(ws, args)
    message = ws.get_message(channel, args.string("ts"))
    if message.user != ws.bot_user_id:
        raise ApiError("cant_update_message")
    content = message_content(args)
    merged = {key: getattr(message, key) for key in CONTENT_KEYS} | content
    _require_text(merged)
    _edit(ws, message, content)
    rendered = message_json(ws, message, include_metadata=True)
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": rendered}


@web_method("chat.delete")
def chat_delete(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _own_message_channel(ws, args)
    message = ws.get_message(channel, args.string("ts"))
    if message.user != ws.bot_user_id:
        raise ApiError("cant_delete_message")
    channel.messages.remove(message)
    channel.pins.discard(message.ts)
    return {"channel": channel.id, "ts": message.ts}


@web_method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _postable_channel(ws, args)
    user_id = args.string("user") or ""
    if user_id not in channel.members:
        raise ApiError("user_not_in_channel")
    content = message_content(args)
    _require_text(content)
    ts = _record_ephemeral(ws, channel, user_id, content, args.string("thread_ts"))
    return {"message_ts": ts}


@web_method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.get_channel(args.string("channel"))
    message = ws.get_message(channel, args.string("message_ts"))
    permalink = f"{PERMALINK_HOST}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        permalink += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": permalink}


@web_method("pins.add")
def pins_add(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.get_channel(args.string("channel"))
    if not args.has("timestamp"):
        raise ApiError("no_item_specified")
    ws.require_member(channel)
    message = ws.get_message(channel, args.string("timestamp"))
    if message.ts in channel.pins:
        raise ApiError("already_pinned")
    channel.pins.add(message.ts)
    return {}


@web_method("pins.list")
def pins_list(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.get_channel(args.string("channel"))
    pinned = [m for m in channel.messages if m.ts in channel.pins]
    items = [
        {
            "type": "message",
            "channel": channel.id,
            "created_by": ws.bot_user_id,
            "message": message_json(ws, m, include_metadata=False),
        }
        for m in pinned
    ]
    return {"items": items}


@web_method("reactions.add")
def reactions_add(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.get_channel(args.string("channel"))
    ws.require_not_archived(channel)
    name = args.string("name") or ""
    if not EMOJI_NAME.match(name):
        raise ApiError("invalid_name")
    message = ws.get_message(channel, args.string("timestamp"))
    users = message.reactions.setdefault(name, [])
    if ws.bot_user_id in users:
        raise ApiError("already_reacted")
    users.append(ws.bot_user_id)
    return {}


def post_to_response_url(ws: Workspace, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    """What Slack does with a POST to a response_url: (HTTP status, JSON reply)."""
    target = ws.response_urls.get(path)
    if target is None:
        return 404, {"ok": False, "error": "invalid_url"}
    if ws.clock() - target.created > RESPONSE_URL_TTL_SECONDS:
        return 404, {"ok": False, "error": "expired_url"}
    if target.posts >= RESPONSE_URL_MAX_POSTS:
        return 404, {"ok": False, "error": "used_url"}
    if not isinstance(body, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    try:
        _apply_response(ws, target.channel_id, target.message_ts, target.user_id, body)
    except ApiError as error:
        return 400, error.body()
    target.posts += 1
    ws.responses[target.url].append(body)
    return 200, {"ok": True}


def _apply_response(
    ws: Workspace,
    channel_id: str | None,
    message_ts: str | None,
    user_id: str | None,
    body: dict[str, Any],
) -> None:
    channel = ws.channels.get(channel_id or "")
    original = ws.find_message(channel, message_ts) if channel else None
    if body.get("delete_original"):
        if channel and original:
            channel.messages.remove(original)
        return
    content = message_content(Args({k: body[k] for k in CONTENT_KEYS if k in body}))
    _require_text(content)
    if body.get("replace_original") and original is not None:
        _edit(ws, original, content)
    elif body.get("response_type") == "in_channel" and channel is not None:
        ws.post(channel, thread_ts=body.get("thread_ts"), **content)
    elif channel is not None and user_id:
        _record_ephemeral(ws, channel, user_id, content, body.get("thread_ts"))
