"""``FakeSlack``: a local server that behaves like Slack's Web API and Socket Mode endpoint.

Point the real ``slack_sdk`` clients at it (``WebClient(token, base_url=fake.api_url)``). It runs
on 127.0.0.1 in a background thread with its own event loop, so sync tests, async tests and
subprocesses can all use it, and it enforces Slack's rules (auth, scopes, membership, channel
names, Block Kit limits, rate limits, trigger expiry) with the error codes of the Slack reference.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
import traceback
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from tests.fakes import web_chat, web_conversations, web_files, web_misc, web_views
from tests.fakes.slack_state import ApiError, Channel, Message, Workspace
from tests.fakes.socket_mode import SocketModeHub, build_envelope
from tests.fakes.web_common import HANDLERS, Args, decode_json_args
from tests.fakes.web_dispatch import (
    CallRecord,
    Injection,
    bearer_token,
    check_auth,
    check_required,
    drop_connection,
    garbled_answer,
    is_documented,
    lookup,
    read_args,
)

# Importing the handler modules registers their methods in HANDLERS.
_HANDLER_MODULES = (web_chat, web_conversations, web_files, web_misc, web_views)
UPLOAD = "upload"  # the POST of a file's bytes to its upload URL, as recorded in `calls`
IMPLEMENTED_METHODS: frozenset[str] = frozenset(HANDLERS)

T = TypeVar("T")


@dataclass
class _Incoming:
    """A Web API request being handled."""

    method: str
    http_method: str
    token: str | None
    values: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)


class FakeSlack:
    """A fake Slack workspace with one installed bot, served over HTTP and WebSocket."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        scopes: Iterable[str] | None = None,
        latency: float = 0.0,
        post_burst: int = 4,
        post_rate_per_sec: float = 1.0,
        team_id: str = "T0TEAM",
        bot_user_id: str = "U0BOT",
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.latency = latency
        self.response_delay = 0.0  # seconds between acting on a call and answering it
        # Epoch seconds from the app's clock, so message ts and channel `created` agree with it.
        self.follow: Callable[[], float] | None = None
        self._lock = threading.RLock()
        self._clock_offset = 0.0
        self._state = Workspace(
            team_id=team_id,
            bot_user_id=bot_user_id,
            scopes=scopes,
            clock=self._clock,
            wallclock=self._wallclock,
            post_burst=post_burst,
            post_rate_per_sec=post_rate_per_sec,
        )
        self._calls: list[CallRecord] = []
        self._injections: dict[str, deque[Injection]] = defaultdict(deque)
        self.fake_errors: list[str] = []
        self.socket = SocketModeHub(self._lock, self._state.socket_tickets, self._state.app_id)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on a free port of 127.0.0.1; returns self."""
        if self._thread is not None:
            return self
        self._loop = asyncio.new_event_loop()
        self.socket.loop = self._loop
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-slack")
        self._thread.daemon = True
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_server(), self._loop).result(10)
        return self

    def stop(self) -> None:
        """Close Socket Mode connections, stop the server and its thread."""
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop_server(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop, self._thread, self.socket.loop = None, None, None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _start_server(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/commands/{team}/{number}/{secret}", self._handle_response_url)
        app.router.add_get("/socket-mode", self.socket.handle)
        app.router.add_post(web_files.UPLOAD_PATH + "{ticket}", self._handle_upload)
        # A stopping fake gives answers it is delaying (response_delay, latency) 1 s, not 60.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        with self._lock:
            self._state.base_url = self.base_url

    async def _stop_server(self) -> None:
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
        # Answers still being delayed (response_delay, latency) are abandoned, not awaited.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``slack_sdk`` clients take as ``base_url`` (with the trailing slash)."""
        return f"{self.base_url}/api/"

    # -- clock ----------------------------------------------------------------------------------

    def _clock(self) -> float:
        return time.monotonic() + self._clock_offset

    def _wallclock(self) -> float:
        if self.follow is not None:
            return self.follow() + self._clock_offset
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: expires triggers and response URLs, refills rate
        limits and moves message timestamps, without sleeping."""
        with self._lock:
            self._clock_offset += seconds

    # -- workspace set-up and inspection ----------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._state.team_id

    @property
    def bot_user_id(self) -> str:
        return self._state.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._state.bot_id

    @property
    def scopes(self) -> set[str] | None:
        with self._lock:
            return None if self._state.scopes is None else set(self._state.scopes)

    @scopes.setter
    def scopes(self, scopes: Iterable[str] | None) -> None:
        with self._lock:
            self._state.scopes = None if scopes is None else set(scopes)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> str:
        with self._lock:
            self._state.add_user(user_id, name, real_name=real_name, is_bot=is_bot, deleted=deleted)
        return user_id

    def add_user_group(self, group_id: str, members: Iterable[str]) -> str:
        """Create (or replace) a user group, e.g. the communications team; returns its ID."""
        with self._lock:
            unknown = [m for m in members if m not in self._state.users]
            if unknown:
                raise ValueError(f"unknown users {unknown}; call add_user() first")
            self._state.user_groups[group_id] = list(members)
        return group_id

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        archived: bool = False,
    ) -> str:
        """Create a conversation directly (not via the API); members may include the bot."""
        members = list(members)
        with self._lock:
            unknown = [m for m in members if m not in self._state.users]
            if unknown:
                raise ValueError(f"unknown users {unknown}; call add_user() first")
            creator = next((m for m in members if m != self.bot_user_id), self.bot_user_id)
            try:
                channel = self._state.create_channel(
                    name, is_private=is_private, creator=creator, members=members
                )
            except ApiError as error:
                raise ValueError(f"channel name {name!r}: {error.error}") from None
            channel.is_archived = archived
            return channel.id

    def add_message(
        self,
        channel_id: str,
        text: str,
        *,
        user: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Seed a message (e.g. from a human) without going through the API; returns its ts."""
        with self._lock:
            channel = self._state.channels[channel_id]
            message = self._state.post(
                channel, text=text, blocks=blocks, metadata=metadata, thread_ts=thread_ts
            )
            message.user = user
            return message.ts

    def archive(self, channel_id: str) -> None:
        """Someone archives a channel (as a person would, not through the bot)."""
        with self._lock:
            self._state.channels[channel_id].is_archived = True

    def channel(self, channel_id: str) -> Channel:
        """A snapshot (deep copy) of a conversation; KeyError if unknown."""
        with self._lock:
            return copy.deepcopy(self._state.channels[channel_id])

    def channel_by_name(self, name: str) -> Channel | None:
        with self._lock:
            return copy.deepcopy(self._state.channel_by_name(name.removeprefix("#")))

    def channels(self) -> list[Channel]:
        with self._lock:
            return copy.deepcopy(list(self._state.channels.values()))

    def messages(self, channel_id: str) -> list[Message]:
        """Snapshot of all messages in a conversation (thread replies included), oldest first."""
        with self._lock:
            return copy.deepcopy(self._state.channels[channel_id].messages)

    def im_with(self, user_id: str) -> Channel | None:
        """The bot's IM with ``user_id`` if it has been opened."""
        with self._lock:
            for channel in self._state.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return copy.deepcopy(channel)
        return None

    def issue_trigger_id(self, *, view_id: str | None = None) -> str:
        """A trigger_id Slack would send with an interaction: valid once, for 3 seconds.
        ``view_id`` ties it to an open modal (for views.push)."""
        with self._lock:
            return self._state.issue_trigger(view_id)

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """A response_url on this server: 5 posts within 30 minutes. With ``channel_id`` (and
        ``message_ts``/``user_id``), in_channel/replace_original/delete_original/ephemeral
        responses act on that conversation like Slack does."""
        if not self.port:
            raise RuntimeError("start() the fake before asking for response URLs")
        with self._lock:
            return self._state.new_response_url(
                channel_id=channel_id, message_ts=message_ts, user_id=user_id
            )

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.ephemerals)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.home_views)

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return copy.deepcopy(self._state.responses)

    # -- call records --------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[CallRecord]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def undocumented_errors(self) -> list[CallRecord]:
        """Calls the fake answered with an error the reference does not document for the method
        (injected failures excepted); a non-empty list means the fake drifted from Slack."""
        return [call for call in self.calls if not is_documented(call)]

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Poll ``predicate`` until it returns something truthy; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            time.sleep(0.01)

    async def async_wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Like :meth:`wait_for` but yields to the caller's event loop while polling."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.01)

    # -- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        after_effect: bool = False,
        where: Callable[[dict[str, Any]], bool] | None = None,
        html: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (``response_url`` for posts to a
        response URL).

        ``status=429`` answers ``ratelimited`` with ``Retry-After`` (default 1 s); other statuses
        answer that HTTP status; ``error`` alone answers HTTP 200 ``{"ok": false, "error": ...}``.
        ``html`` answers an HTML error page instead of JSON, labelled with that content type, as
        a proxy in front of Slack does (``text/html``; some say ``text/plain`` or even
        ``application/json``). With ``after_effect`` the call takes effect first and only its
        response is replaced. With ``where``, only calls whose (decoded) arguments match fail.
        """
        if status is None and error is None:
            status = 500
        injection = Injection(status, error, retry_after, after_effect, html=html, where=where)
        with self._lock:
            self._injections[method].extend(injection for _ in range(times))

    def drop_connection_next(
        self,
        method: str,
        *,
        times: int = 1,
        after_effect: bool = False,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Close the TCP connection instead of answering the next ``times`` calls of ``method``
        (after performing them if ``after_effect``), like a response lost on the network."""
        injection = Injection(None, None, None, after_effect, drop=True, where=where)
        with self._lock:
            self._injections[method].extend(injection for _ in range(times))

    def garble_next(self, method: str, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with bytes that are not HTTP at all,
        like a broken proxy (the client raises aiohttp's ClientResponseError)."""
        injection = Injection(None, None, None, False, garble=True)
        with self._lock:
            self._injections[method].extend(injection for _ in range(times))

    def _take_injection(self, method: str, args: dict[str, Any]) -> Injection | None:
        with self._lock:
            queue = self._injections.get(method)
            for injection in queue or ():
                if injection.applies(args):
                    queue.remove(injection)  # type: ignore[union-attr]
                    return injection
            return None

    def pending_injections(self) -> int:
        """Injected failures not yet used (a test checks its faults really happened)."""
        with self._lock:
            return sum(len(q) for q in self._injections.values())

    # -- Socket Mode -------------------------------------------------------------------------------

    def socket_connected(self, timeout: float = 5.0) -> None:
        """Block until a Socket Mode client is connected (TimeoutError otherwise)."""
        self.wait_for(lambda: self.socket.connection_count > 0, timeout)

    async def async_socket_connected(self, timeout: float = 5.0) -> None:
        await self.async_wait_for(lambda: self.socket.connection_count > 0, timeout)

    def send_envelope(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Deliver ``payload`` over Socket Mode as an envelope of ``type_`` (slash_commands,
        interactive, events_api — for the latter, the full event_callback body). Returns the
        envelope_id to pass to :meth:`wait_for_ack`."""
        envelope = build_envelope(
            type_,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        self.socket.send(envelope)
        envelope_id: str = envelope["envelope_id"]
        return envelope_id

    def disconnect_socket(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, like Slack does periodically."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        self.socket.send(message)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The JSON the client sent back for ``envelope_id`` (``{"envelope_id", "payload"?}``)."""
        return self.wait_for(lambda: self.socket.ack(envelope_id), timeout)

    async def async_wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.async_wait_for(lambda: self.socket.ack(envelope_id), timeout)

    # -- HTTP handlers (run on the fake's event loop) -----------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        call = _Incoming(request.match_info["method"], request.method, bearer_token(request))
        try:
            call.values, form_token = await read_args(request)
            call.token = call.token or form_token
        except ApiError as error:
            return self._respond(call, (error.status, error.body(), error.headers))
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        injection = self._take_injection(call.method, decode_json_args(call.values))
        acted = False
        if injection is None or injection.after_effect:
            outcome = self._execute(call.method, call.values, call.token)
            acted = outcome[1].get("ok") is True
        if self.response_delay > 0:  # Slack has acted; the answer is slow to come back
            await asyncio.sleep(self.response_delay)
        if injection is None:
            return self._respond(call, outcome, acted=acted)
        if injection.drop:
            self._record(call, 0, {}, dropped=True, acted=acted)
            return drop_connection(request)
        if injection.garble:
            self._record(call, 0, {}, injected=True, acted=acted)
            return garbled_answer(request)
        if injection.html:
            self._record(call, injection.status or 502, {}, injected=True, acted=acted)
            return injection.html_page()
        return self._respond(call, injection.result(), injected=True, acted=acted)

    def _respond(
        self,
        call: _Incoming,
        outcome: tuple[int, dict[str, Any], dict[str, str]],
        *,
        injected: bool = False,
        acted: bool = False,
    ) -> web.Response:
        status, body, headers = outcome
        self._record(call, status, body, injected=injected, acted=acted)
        return web.json_response(body, status=status, headers=headers)

    def _record(
        self,
        call: _Incoming,
        status: int,
        body: dict[str, Any],
        *,
        injected: bool = False,
        dropped: bool = False,
        acted: bool = False,
    ) -> None:
        record = CallRecord(
            method=call.method,
            args=decode_json_args(call.values),
            status=status,
            response=body,
            started=call.started,
            ended=time.monotonic(),
            http_method=call.http_method,
            token=call.token,
            injected=injected or dropped,
            dropped=dropped,
            acted=acted,
        )
        with self._lock:
            self._calls.append(record)

    def _execute(
        self, method: str, values: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Run one Web API call against the workspace: (HTTP status, body, headers)."""
        try:
            handler = lookup(method)
            check_auth(method, token, bot_token=self.bot_token, app_token=self.app_token)
            with self._lock:
                self._state.require_method_scope(method)
                args = Args(values)
                check_required(method, args)
                result = handler(self._state, args)
            return 200, {"ok": True, **result}, {}
        except ApiError as error:
            return error.status, error.body(), error.headers
        except Exception:
            detail = traceback.format_exc()
            with self._lock:
                self.fake_errors.append(detail)
            return 500, {"ok": False, "error": "fake_internal_error", "detail": detail}, {}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        """A file's bytes POSTed to the URL files.getUploadURLExternal gave (raw, as slack_sdk
        sends them, or as the `file` field of a multipart form). No token: the URL is the key."""
        call = _Incoming(UPLOAD, request.method, None)
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = form.get("file")
            if isinstance(part, web.FileField):
                content = part.file.read()
            else:
                content = str(part or "").encode()
        else:
            content = await request.read()
        call.values = {"ticket": request.match_info["ticket"], "bytes": len(content)}
        injection = self._take_injection(UPLOAD, call.values)
        if injection is None or injection.after_effect:
            with self._lock:
                status, text = web_files.receive_upload(
                    self._state, request.match_info["ticket"], content
                )
        if injection is not None:
            if injection.drop:
                self._record(call, 0, {}, dropped=True)
                return drop_connection(request)
            status, text = injection.status or 500, "injected failure"
        self._record(call, status, {"ok": status == 200, "body": text}, injected=bool(injection))
        return web.Response(status=status, text=text)

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded for a file (None before they arrive)."""
        with self._lock:
            upload = self._state.files.get(file_id)
            return None if upload is None else upload.content

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        injection = self._take_injection("response_url", body if isinstance(body, dict) else {})
        if injection is None or injection.after_effect:
            with self._lock:
                status, reply = web_chat.post_to_response_url(self._state, request.path, body)
        if injection is None:
            return web.json_response(reply, status=status)
        if injection.drop:
            return drop_connection(request)
        status, reply, headers = injection.result()
        return web.json_response(reply, status=status, headers=headers)
