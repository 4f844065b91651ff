"""Fake ``conversations.*`` Web API methods."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.fakes.slack_json import channel_json, im_json, message_json, thread_parent_json
from tests.fakes.slack_state import ApiError, Channel, Message, Workspace
from tests.fakes.web_common import Args, paginate, web_method

TOPIC_MAX = 250
LIST_TYPES = {"public_channel": "public", "private_channel": "private", "im": "im", "mpim": "mpim"}


def _channel_for(ws: Workspace, args: Args, method: str) -> Channel:
    """The ``channel`` arg as a conversation the bot can see, after the per-type scope check."""
    channel = ws.get_channel(args.string("channel"))
    ws.require_kind_scope(method, channel.kind)
    return channel


def _not_for_ims(channel: Channel) -> None:
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")


@web_method("conversations.create")
def conversations_create(ws: Workspace, args: Args) -> dict[str, Any]:
    is_private = args.boolean("is_private")
    ws.require_kind_scope("conversations.create", "private" if is_private else "public")
    channel = ws.create_channel(
        args.string("name") or "",
        is_private=is_private,
        creator=ws.bot_user_id,
        members=[ws.bot_user_id],
    )
    return {"channel": channel_json(ws, channel)}


def _invite_error(ws: Workspace, user_id: str) -> str | None:
    if user_id == ws.bot_user_id:
        return "cant_invite_self"
    user = ws.users.get(user_id)
    if user is None:
        return "user_not_found"
    if user.deleted:
        return "cant_invite"
    return None


@web_method("conversations.invite")
def conversations_invite(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.invite")
    _not_for_ims(channel)
    ws.require_not_archived(channel)
    ws.require_member(channel)
    user_ids = args.csv("users")
    if not user_ids:
        raise ApiError("no_user")
    failures = [(uid, err) for uid in user_ids if (err := _invite_error(ws, uid)) is not None]
    errors = [{"user": uid, "ok": False, "error": err} for uid, err in failures]
    if failures and not args.boolean("force"):
        raise ApiError(failures[0][1], errors=errors)
    failed = {uid for uid, _ in failures}
    new = [uid for uid in user_ids if uid not in failed and uid not in channel.members]
    if not new and not errors:
        raise ApiError("already_in_channel")
    channel.members.update(new)
    result: dict[str, Any] = {"channel": channel_json(ws, channel)}
    if errors:
        result["errors"] = errors
    return result


def _set_channel_text(ws: Workspace, args: Args, kind: str) -> dict[str, Any]:
    channel = _channel_for(ws, args, f"conversations.set{kind.capitalize()}")
    ws.require_not_archived(channel)
    ws.require_member(channel)
    value = args.string(kind) or ""
    if len(value) > TOPIC_MAX:
        raise ApiError("too_long")
    setattr(channel, kind, value)
    channel.topic_meta[kind] = (ws.bot_user_id, ws.now())
    return {"channel": channel_json(ws, channel)}


@web_method("conversations.setTopic")
def conversations_set_topic(ws: Workspace, args: Args) -> dict[str, Any]:
    return _set_channel_text(ws, args, "topic")


@web_method("conversations.setPurpose")
def conversations_set_purpose(ws: Workspace, args: Args) -> dict[str, Any]:
    return _set_channel_text(ws, args, "purpose")


@web_method("conversations.info")
def conversations_info(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.info")
    include = args.boolean("include_num_members")
    return {"channel": channel_json(ws, channel, num_members=include)}


def _listed(ws: Workspace, channel: Channel, kinds: set[str], exclude_archived: bool) -> bool:
    if exclude_archived and channel.is_archived:
        return False
    return channel.kind in kinds and ws.visible(channel)


@web_method("conversations.list")
def conversations_list(ws: Workspace, args: Args) -> dict[str, Any]:
    type_names = args.csv("types") or ["public_channel"]
    if any(name not in LIST_TYPES for name in type_names):
        raise ApiError("invalid_types")
    kinds = {LIST_TYPES[name] for name in type_names}
    for kind in kinds:
        ws.require_kind_scope("conversations.list", kind)
    exclude_archived = args.boolean("exclude_archived")
    matching = [c for c in ws.channels.values() if _listed(ws, c, kinds, exclude_archived)]
    page, cursor = paginate(matching, args)
    return {
        "channels": [channel_json(ws, c) for c in page],
        "response_metadata": {"next_cursor": cursor},
    }


@web_method("conversations.members")
def conversations_members(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.members")
    page, cursor = paginate(sorted(channel.members), args)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


@web_method("conversations.join")
def conversations_join(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.channels.get(args.string("channel") or "")
    if channel is None:
        raise ApiError("channel_not_found")
    if channel.is_private or channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    ws.require_not_archived(channel)
    already_member = ws.bot_user_id in channel.members
    channel.members.add(ws.bot_user_id)
    result: dict[str, Any] = {"channel": channel_json(ws, channel)}
    if already_member:
        result["warning"] = "already_in_channel"
        result["response_metadata"] = {"warnings": ["already_in_channel"]}
    return result


@web_method("conversations.open")
def conversations_open(ws: Workspace, args: Args) -> dict[str, Any]:
    ws.require_kind_scope("conversations.open", "im")
    if args.has("channel"):
        channel = ws.get_channel(args.string("channel"))
        return {"channel": {"id": channel.id}}
    user_ids = args.csv("users")
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    if len(user_ids) > 1:
        raise ApiError("fake_not_implemented", detail="the fake supports 1:1 IMs only, not MPIMs")
    user = ws.get_user(user_ids[0])
    if user.deleted:
        raise ApiError("user_disabled")
    existed = any(c.is_im and c.im_user == user.id for c in ws.channels.values())
    channel = ws.open_im(user.id)
    body = im_json(ws, channel) if args.boolean("return_im") else {"id": channel.id}
    result: dict[str, Any] = {"channel": body}
    if existed:
        result.update(no_op=True, already_open=True)
    return result


@web_method("conversations.archive")
def conversations_archive(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.archive")
    _not_for_ims(channel)
    if channel.is_archived:
        raise ApiError("already_archived")
    ws.require_member(channel)
    channel.is_archived = True
    return {}


def _ts_bound(args: Args, name: str, error: str) -> Decimal | None:
    raw = args.string(name)
    if raw is None:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ApiError(error) from None


def _window(args: Args) -> Callable[[Message], bool]:
    """Slack's latest/oldest filter; bounds are exclusive unless ``inclusive`` is set."""
    latest = _ts_bound(args, "latest", "invalid_ts_latest")
    oldest = _ts_bound(args, "oldest", "invalid_ts_oldest")
    inclusive = args.boolean("inclusive")

    def within(message: Message) -> bool:
        ts = Decimal(message.ts)
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        return not (oldest is not None and (ts < oldest or (ts == oldest and not inclusive)))

    return within


def _in_history(message: Message) -> bool:
    """Top-level messages and thread parents; replies only when broadcast."""
    return not message.thread_ts or message.thread_ts == message.ts or message.reply_broadcast


@web_method("conversations.history")
def conversations_history(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.history")
    ws.require_member(channel)
    with_metadata = args.boolean("include_all_metadata")
    within = _window(args)
    selected = [m for m in channel.messages if _in_history(m) and within(m)]
    page, cursor = paginate(selected[::-1], args, max_limit=999)
    return {
        "messages": [
            thread_parent_json(ws, channel, m, include_metadata=with_metadata) for m in page
        ],
        "has_more": bool(cursor),
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


@web_method("conversations.replies")
def conversations_replies(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _channel_for(ws, args, "conversations.replies")
    message = ws.find_message(channel, args.string("ts"))
    if message is None:
        raise ApiError("thread_not_found")
    parent = ws.find_message(channel, message.thread_ts) if message.thread_ts else message
    parent = parent or message
    thread = [parent, *ws.thread_replies(channel, parent.ts)]
    selected = list(filter(_window(args), thread))
    page, cursor = paginate(selected, args, default_limit=1000)
    with_metadata = args.boolean("include_all_metadata")
    rendered = [message_json(ws, m, include_metadata=with_metadata) for m in page]
    if page and page[0] is parent:
        rendered[0] = thread_parent_json(ws, channel, parent, include_metadata=with_metadata)
    return {
        "messages": rendered,
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }
