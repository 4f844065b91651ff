"""Plumbing shared by the fake's Web API method handlers: typed args, registry, pagination."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tests.fakes.slack_state import ApiError, Workspace

# Arguments that Slack accepts either as JSON-encoded strings (form posts) or as JSON values.
JSON_ARGS = ("blocks", "attachments", "metadata", "view")
TRUE_STRINGS = {"1", "true", "True", "TRUE"}

T = TypeVar("T")


class Args:
    """Request arguments (merged query, form and JSON body) with Slack-style coercion."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def has(self, name: str) -> bool:
        """Present and not empty (Slack treats ``channel=`` like a missing channel)."""
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value) in TRUE_STRINGS

    def integer(self, name: str, default: int, *, error: str = "invalid_arguments") -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(error) from None

    def csv(self, name: str) -> list[str]:
        """A comma-separated argument (``users=U1,U2``)."""
        value = self.values.get(name)
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in (self.string(name) or "").split(",") if part.strip()]

    def json_value(self, name: str, *, error: str) -> Any:
        """A JSON argument; a string that is not valid JSON raises ``error``."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(error) from None
        return value


def decode_json_args(values: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``values`` with JSON-string args (blocks, metadata, view...) decoded if possible."""
    decoded = dict(values)
    for name in JSON_ARGS:
        raw = decoded.get(name)
        if isinstance(raw, str) and raw:
            with contextlib.suppress(json.JSONDecodeError):
                decoded[name] = json.loads(raw)
    return decoded


Handler = Callable[[Workspace, Args], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def web_method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for Web API method ``name``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(cursor)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("invalid_cursor") from None


def paginate(
    items: Sequence[T], args: Args, *, default_limit: int = 100, max_limit: int = 1000
) -> tuple[list[T], str]:
    """Slack cursor pagination: a page of ``items`` and ``next_cursor`` ("" on the last page)."""
    limit = args.integer("limit", default_limit, error="invalid_limit")
    if limit == 0:
        limit = default_limit
    if limit < 0 or limit > max_limit:
        raise ApiError("invalid_limit")
    start = _decode_cursor(args.string("cursor") or "") if args.has("cursor") else 0
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, _encode_cursor(start + limit) if more else ""
