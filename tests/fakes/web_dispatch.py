"""The request pipeline of the fake Web API: parsing, auth, required args, call records.

Slack-specific knowledge that is not tied to one method lives here; method behaviour lives in
the ``web_*`` handler modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes import reference
from tests.fakes.slack_state import ApiError, Workspace
from tests.fakes.web_common import HANDLERS, Args

APP_TOKEN_METHODS = {"apps.connections.open"}
# When a required argument is missing, Slack answers with the first of these that the method
# documents, else ``invalid_arguments``.
MISSING_ARG_ERRORS = {
    "channel": ("channel_not_found",),
    "name": ("invalid_name_required",),
    "ts": ("message_not_found", "thread_not_found"),
    "message_ts": ("message_not_found",),
    "timestamp": ("no_item_specified", "bad_timestamp"),
    "user": ("user_not_found", "user_not_in_channel"),
    "users": ("no_user", "users_list_not_supplied"),
}
EMPTY_ALLOWED = {"topic", "purpose", "text"}
# Error codes the fake may return although the reference does not list them for that method:
# the fake's own, and real Slack answers missing from the scraped docs.
UNDOCUMENTED_ERRORS = {
    "unknown_method",
    "fake_not_implemented",
    "fake_internal_error",
    "invalid_json",
    "msg_too_long",
    "invalid_attachments",
}
DEFAULT_5XX_ERRORS = {500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class CallRecord:
    """One Web API call as the fake saw it."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    started: float
    ended: float
    http_method: str = "POST"
    token: str | None = None
    injected: bool = False
    dropped: bool = False
    acted: bool = False  # Slack did what was asked, whatever the answer said (after_effect)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class Injection:
    status: int | None
    error: str | None
    retry_after: int | None
    after_effect: bool
    drop: bool = False
    garble: bool = False
    html: str | None = None  # content type of an HTML error page answered instead of JSON
    where: Callable[[dict[str, Any]], bool] | None = None  # only calls whose args match

    def applies(self, args: dict[str, Any]) -> bool:
        return self.where is None or bool(self.where(args))

    def html_page(self) -> web.Response:
        status = self.status or 502
        page = f"<html><head><title>{status}</title></head><body><h1>{status} Bad Gateway</h1>"
        return web.Response(status=status, text=page + "</body></html>", content_type=self.html)

    def result(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.status == 429:
            retry_after = str(self.retry_after if self.retry_after is not None else 1)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        status = self.status or 200
        error = self.error or DEFAULT_5XX_ERRORS.get(status, "internal_error")
        return status, {"ok": False, "error": error}, {}


def lookup(method: str) -> Callable[[Workspace, Args], dict[str, Any]]:
    handler = HANDLERS.get(method)
    if handler is not None:
        return handler
    if reference.method_exists(method):
        raise ApiError("fake_not_implemented", detail=f"the fake does not implement {method}")
    raise ApiError("unknown_method", req_method=method)


def check_required(method: str, args: Args) -> None:
    documented = reference.documented_errors(method)
    for name in reference.required_args(method):
        value = args.values.get(name)
        if value is not None and (value != "" or name in EMPTY_ALLOWED):
            continue
        specific = [e for e in MISSING_ARG_ERRORS.get(name, ()) if e in documented]
        if specific:
            raise ApiError(specific[0])
        messages = [f"[ERROR] missing required field: {name}"]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Merge query string, form body and JSON body; returns (args, token given in the form)."""
    values: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            values.update(body)
            values.pop("token", None)  # Slack ignores tokens in JSON bodies
            return values, None
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            values.update({key: str(value) for key, value in form.items()})
        elif content_type in ("", "application/octet-stream"):
            raise ApiError("missing_post_type")
        else:
            raise ApiError("invalid_post_type")
    token = values.pop("token", None)
    return values, token if isinstance(token, str) else None


def drop_connection(request: web.Request) -> web.Response:
    """Close the socket without answering; the client sees a disconnect."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)


def garbled_answer(request: web.Request) -> web.Response:
    """Write bytes that are not an HTTP response, then close the socket."""
    if request.transport is not None:
        request.transport.write(b"NOT HTTP AT ALL\r\n\r\n")
        request.transport.close()
    return web.Response(status=204)


def check_auth(method: str, token: str | None, *, bot_token: str, app_token: str) -> None:
    """Bot token for every method but apps.connections.open, which needs the app token."""
    expected = app_token if method in APP_TOKEN_METHODS else bot_token
    if not token:
        raise ApiError("not_authed")
    if token == expected:
        return
    if token in (bot_token, app_token):
        raise ApiError("not_allowed_token_type")
    raise ApiError("invalid_auth")


def is_documented(call: CallRecord) -> bool:
    """Whether the error of ``call`` (if any) is one Slack documents for its method."""
    if not call.error or call.injected or call.error in UNDOCUMENTED_ERRORS:
        return True
    return call.error in reference.documented_errors(call.method)
