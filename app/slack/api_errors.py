"""Reading a failed Slack call safely, whatever came back.

Slack answers errors as JSON (`{"ok": false, "error": "..."}`), but a proxy or an outage page
answers HTML, and then slack_sdk's `SlackApiError.response` holds a string, an empty dict or
even aiohttp's raw response. Code that does `exc.response.get("error")` crashes there; these
helpers never do.
"""

from __future__ import annotations

import re

import aiohttp
from slack_sdk.errors import SlackApiError

from app.domain.text import redact

_CAPTION = 160  # characters of an exception's text kept in a one-line log description
_QUERY = re.compile(r"\?[^\s'\"]*")  # a Socket Mode URL's query is a one-time ticket


def slack_error_code(exc: SlackApiError) -> str:
    """Slack's `error` code, or "" when the answer was not Slack's JSON."""
    data = getattr(exc.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, dict) else ""


def slack_status(exc: SlackApiError) -> int | None:
    """The HTTP status of the answer (slack_sdk's response or aiohttp's raw one)."""
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def retry_after(exc: BaseException) -> float | None:
    """Seconds Slack asked us to wait (Retry-After on a 429), if it said."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return float(headers.get("Retry-After") or headers.get("retry-after") or "")
    except (TypeError, ValueError):
        return None


def slack_did_not_answer(exc: BaseException) -> bool:
    """No usable answer: unreachable, timed out, busy, failing, or a page that is not Slack's.
    Trying again later may work; the request itself was not refused."""
    if isinstance(exc, SlackApiError):
        status = slack_status(exc) or 0
        return not slack_error_code(exc) or status >= 500 or status == 429
    return isinstance(exc, aiohttp.ClientError | TimeoutError)


def describe(exc: BaseException) -> str:
    """One short line for the log: no traceback, no response body, no token."""
    if isinstance(exc, SlackApiError):
        code = slack_error_code(exc)
        answer = f"error {code}" if code else "not a Slack answer"
        return f"{_method(exc)}: HTTP {slack_status(exc)}, {answer}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    caption = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return redact(_QUERY.sub("?…", caption)[:_CAPTION])


def _method(exc: SlackApiError) -> str:
    """`users.info` from the URL of the call (slack_sdk's or aiohttp's response)."""
    url = getattr(exc.response, "api_url", None) or getattr(exc.response, "url", None)
    return str(url or "?").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
