"""Render fake workspace objects in the JSON shapes of Slack's Web API responses.

Shapes follow ``samples/api/*.json`` of the Slack reference (only keys an app plausibly reads).
"""

from __future__ import annotations

from typing import Any

from tests.fakes.slack_state import Channel, Message, User, Workspace


def _topic(channel: Channel, kind: str, value: str) -> dict[str, Any]:
    creator, last_set = channel.topic_meta.get(kind, ("", 0))
    return {"value": value, "creator": creator, "last_set": last_set}


def channel_json(ws: Workspace, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
    """A conversation object as conversations.info/create/list return it."""
    if channel.is_im:
        return im_json(ws, channel)
    data: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "creator": channel.creator,
        "is_archived": channel.is_archived,
        "is_general": False,
        "unlinked": 0,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "shared_team_ids": [ws.team_id],
        "context_team_id": ws.team_id,
        "is_member": ws.bot_user_id in channel.members,
        "topic": _topic(channel, "topic", channel.topic),
        "purpose": _topic(channel, "purpose", channel.purpose),
        "previous_names": [],
        "updated": channel.created * 1000,
    }
    if num_members:
        data["num_members"] = len(channel.members)
    return data


def im_json(ws: Workspace, channel: Channel) -> dict[str, Any]:
    user = ws.users.get(channel.im_user or "")
    return {
        "id": channel.id,
        "created": channel.created,
        "is_im": True,
        "is_org_shared": False,
        "context_team_id": ws.team_id,
        "user": channel.im_user,
        "is_user_deleted": bool(user and user.deleted),
        "priority": 0,
    }


def message_json(ws: Workspace, message: Message, *, include_metadata: bool) -> dict[str, Any]:
    """A message as conversations.history and chat.postMessage return it."""
    data: dict[str, Any] = {"type": "message", "user": message.user, "text": message.text}
    data["ts"] = message.ts
    data["team"] = ws.team_id
    if message.user == ws.bot_user_id:
        data["bot_id"] = ws.bot_id
        data["app_id"] = ws.app_id
        data["bot_profile"] = {
            "id": ws.bot_id,
            "app_id": ws.app_id,
            "name": "warroom",
            "deleted": False,
            "team_id": ws.team_id,
        }
    if message.blocks is not None:
        data["blocks"] = message.blocks
    if message.attachments is not None:
        data["attachments"] = message.attachments
    if message.thread_ts:
        data["thread_ts"] = message.thread_ts
    if message.edits:
        data["edited"] = {"user": message.user, "ts": message.edits[-1]["edited_ts"]}
    if message.reactions:
        data["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if message.files is not None:
        data["files"] = message.files
        data["upload"] = True
    if include_metadata and message.metadata is not None:
        data["metadata"] = message.metadata
    return data


def thread_parent_json(
    ws: Workspace, channel: Channel, message: Message, *, include_metadata: bool
) -> dict[str, Any]:
    """A message plus the thread summary Slack adds to thread parents."""
    data = message_json(ws, message, include_metadata=include_metadata)
    replies = ws.thread_replies(channel, message.ts)
    if replies:
        data["reply_count"] = len(replies)
        data["reply_users"] = sorted({r.user for r in replies})
        data["reply_users_count"] = len(data["reply_users"])
        data["latest_reply"] = replies[-1].ts
    return data


def user_json(ws: Workspace, user: User) -> dict[str, Any]:
    """A user object as users.info returns it."""
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": ws.team_id,
    }
    if user.is_bot:
        profile["bot_id"] = ws.bot_id if user.id == ws.bot_user_id else "B" + user.id[1:]
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 0,
    }
