"""In-memory workspace of the fake Slack: users, conversations, messages, triggers, views.

Everything here is plain synchronous code; :class:`tests.fakes.slack_api.FakeSlack` serialises
access with one lock. Methods raise :class:`ApiError` with Slack's error codes.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import reference

CHANNEL_NAME_MAX = 80
CHANNEL_NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60.0
RESPONSE_URL_MAX_POSTS = 5
PERMALINK_HOST = "https://fake.slack.test"

SCOPE_PREFIX_BY_KIND = {"public": "channels:", "private": "groups:", "im": "im:", "mpim": "mpim:"}


class ApiError(Exception):
    """A Slack Web API failure: ``{"ok": false, "error": ...}`` plus HTTP status and headers."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(message: str) -> ApiError:
    """Slack's generic argument error, with a human-readable explanation like Slack adds."""
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    files: list[dict[str, Any]] | None = None  # shared by files.completeUploadExternal


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    members: set[str] = field(default_factory=set)
    creator: str = ""
    created: int = 0
    topic: str = ""
    purpose: str = ""
    messages: list[Message] = field(default_factory=list)
    pins: set[str] = field(default_factory=set)
    im_user: str | None = None
    topic_meta: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """Scope family of the conversation: public, private or im."""
        if self.is_im:
            return "im"
        return "private" if self.is_private else "public"


@dataclass
class UploadedFile:
    """A file from files.getUploadURLExternal: its bytes arrive at the upload URL, then
    files.completeUploadExternal finishes it (once) and shares it."""

    id: str
    ticket: str
    filename: str
    length: int
    content: bytes | None = None  # None until POSTed to the upload URL
    title: str = ""
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    created: int = 0


@dataclass
class TokenBucket:
    tokens: float
    updated: float


@dataclass
class ResponseUrl:
    url: str
    created: float
    channel_id: str | None = None
    message_ts: str | None = None
    user_id: str | None = None
    posts: int = 0


class Workspace:
    """All state of one fake workspace with one installed bot."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_user_id: str,
        scopes: Iterable[str] | None,
        clock: Callable[[], float],
        wallclock: Callable[[], float],
        post_burst: int,
        post_rate_per_sec: float,
    ) -> None:
        self.team_id = team_id
        self.team_name = "Fake Team"
        self.bot_user_id = bot_user_id
        self.bot_id = "B0BOT"
        self.app_id = "A0APP"
        self.scopes = None if scopes is None else set(scopes)
        self.clock = clock
        self.wallclock = wallclock
        self.post_burst = post_burst
        self.post_rate_per_sec = post_rate_per_sec
        self.base_url = ""
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.triggers: dict[str, tuple[float, str | None]] = {}
        self.used_triggers: set[str] = set()
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.socket_tickets: set[str] = set()
        self.user_groups: dict[str, list[str]] = {}  # user group (subteam) ID -> members
        self.files: dict[str, UploadedFile] = {}  # by file ID
        self._buckets: dict[str, TokenBucket] = {}
        self._counter = itertools.count(1)
        self._last_ts_micro = 0
        self.add_user(bot_user_id, "warroom", real_name="Warroom", is_bot=True)

    # -- ids and timestamps -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):010d}"

    def now(self) -> int:
        return int(self.wallclock())

    def next_ts(self) -> str:
        """A message ts: wall-clock microseconds, strictly increasing."""
        micro = max(int(self.wallclock() * 1_000_000), self._last_ts_micro + 1)
        self._last_ts_micro = micro
        return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"

    # -- users ------------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> User:
        user = User(user_id, name, real_name or name, is_bot=is_bot, deleted=deleted)
        self.users[user_id] = user
        return user

    def get_user(self, user_id: str | None) -> User:
        user = self.users.get(user_id or "")
        if user is None:
            raise ApiError("user_not_found")
        return user

    # -- channels ---------------------------------------------------------------------------------

    def validate_channel_name(self, name: str) -> None:
        """Slack's conversations.create name rules, in Slack's error codes."""
        if not name:
            raise ApiError("invalid_name_required")
        if len(name) > CHANNEL_NAME_MAX:
            raise ApiError("invalid_name_maxlength")
        if not CHANNEL_NAME_CHARS.match(name):
            raise ApiError("invalid_name_specials")
        if not name.strip("-_"):
            raise ApiError("invalid_name_punctuation")
        if self.channel_by_name(name) is not None:
            raise ApiError("name_taken")

    def create_channel(
        self, name: str, *, is_private: bool, creator: str, members: Iterable[str] = ()
    ) -> Channel:
        self.validate_channel_name(name)
        channel = Channel(
            id=self.new_id("C"),
            name=name,
            is_private=is_private,
            members={*members},
            creator=creator,
            created=self.now(),
        )
        self.channels[channel.id] = channel
        return channel

    def channel_by_name(self, name: str) -> Channel | None:
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        return None

    def visible(self, channel: Channel) -> bool:
        """Whether the bot can see the conversation at all (private ones need membership)."""
        return not channel.is_private or self.bot_user_id in channel.members

    def get_channel(self, channel_id: str | None) -> Channel:
        """A conversation the bot can see, by ID only; else ``channel_not_found``."""
        channel = self.channels.get(channel_id or "")
        if channel is None or not self.visible(channel):
            raise ApiError("channel_not_found")
        return channel

    def resolve_post_target(self, target: str) -> Channel:
        """chat.postMessage's ``channel``: an ID, ``#name``/``name``, or a user ID (their IM)."""
        if target in self.channels:
            return self.get_channel(target)
        if target in self.users:
            return self.open_im(target)
        channel = self.channel_by_name(target.removeprefix("#"))
        if channel is None or not self.visible(channel):
            raise ApiError("channel_not_found")
        return channel

    def open_im(self, user_id: str) -> Channel:
        """The bot's direct-message conversation with ``user_id``, created on first use."""
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            is_im=True,
            members={self.bot_user_id, user_id},
            creator=self.bot_user_id,
            created=self.now(),
            im_user=user_id,
        )
        self.channels[channel.id] = channel
        return channel

    def require_member(self, channel: Channel) -> None:
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")

    def require_not_archived(self, channel: Channel) -> None:
        if channel.is_archived:
            raise ApiError("is_archived")

    # -- messages ---------------------------------------------------------------------------------

    def find_message(self, channel: Channel, ts: str | None) -> Message | None:
        for message in channel.messages:
            if message.ts == ts:
                return message
        return None

    def get_message(self, channel: Channel, ts: str | None) -> Message:
        message = self.find_message(channel, ts)
        if message is None:
            raise ApiError("message_not_found")
        return message

    def thread_replies(self, channel: Channel, parent_ts: str) -> list[Message]:
        return [m for m in channel.messages if m.thread_ts == parent_ts and m.ts != parent_ts]

    def post(self, channel: Channel, **fields: Any) -> Message:
        """Store a new bot message in ``channel``; a reply to a reply joins the parent thread."""
        thread_ts = fields.pop("thread_ts", None)
        if thread_ts:
            parent = self.find_message(channel, thread_ts)
            if parent is not None and parent.thread_ts:
                thread_ts = parent.thread_ts
        message = Message(
            ts=self.next_ts(), channel=channel.id, user=self.bot_user_id, thread_ts=thread_ts
        )
        for key, value in fields.items():
            setattr(message, key, value)
        if thread_ts and (parent := self.find_message(channel, thread_ts)) is not None:
            parent.thread_ts = parent.ts
        channel.messages.append(message)
        return message

    # -- scopes -----------------------------------------------------------------------------------

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def _missing_scope(self, needed: list[str]) -> ApiError:
        provided = ",".join(sorted(self.scopes or ()))
        return ApiError("missing_scope", needed=",".join(needed), provided=provided)

    def require_method_scope(self, method: str) -> None:
        """At least one of the method's documented bot scopes must be granted."""
        needed = reference.bot_scopes(method)
        if self.scopes is not None and needed and not self.scopes.intersection(needed):
            raise self._missing_scope(needed)

    def require_kind_scope(self, method: str, kind: str) -> None:
        """Conversation methods need a scope of the conversation's family (channels:, groups:)."""
        prefix = SCOPE_PREFIX_BY_KIND[kind]
        needed = [s for s in reference.bot_scopes(method) if s.startswith(prefix)]
        if self.scopes is not None and needed and not self.scopes.intersection(needed):
            raise self._missing_scope(needed)

    # -- rate limiting ----------------------------------------------------------------------------

    def take_post_token(self, channel_id: str) -> bool:
        """Token bucket per channel for chat.postMessage: ``post_burst`` refilled per second."""
        now = self.clock()
        bucket = self._buckets.setdefault(channel_id, TokenBucket(float(self.post_burst), now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(
            float(self.post_burst), bucket.tokens + elapsed * self.post_rate_per_sec
        )
        bucket.updated = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    # -- triggers and response URLs ---------------------------------------------------------------

    def issue_trigger(self, view_id: str | None = None) -> str:
        trigger_id = f"{next(self._counter)}.{self.now()}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = (self.clock(), view_id)
        return trigger_id

    def exchange_trigger(self, trigger_id: str | None) -> str | None:
        """Use up a trigger (valid once, for 3 s); returns the view it was issued from, if any."""
        if not trigger_id or trigger_id not in self.triggers:
            raise ApiError("invalid_trigger_id")
        if trigger_id in self.used_triggers:
            raise ApiError("exchanged_trigger_id")
        issued, view_id = self.triggers[trigger_id]
        if self.clock() - issued > TRIGGER_TTL_SECONDS:
            raise ApiError("expired_trigger_id")
        self.used_triggers.add(trigger_id)
        return view_id

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
    ) -> str:
        path = f"/commands/{self.team_id}/{next(self._counter)}/{secrets.token_hex(12)}"
        url = f"{self.base_url}{path}"
        self.response_urls[path] = ResponseUrl(url, self.clock(), channel_id, message_ts, user_id)
        self.responses[url] = []
        return url
