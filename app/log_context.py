"""What a log line is about: the request being handled, the outbox row being delivered, the
incident being worked on. app/log_output.py writes them into every line.

A `scope` opens where such work starts (a Slack request, an alert webhook, a delivery, one
incident's due work). The fields live in one object shared by everything the scope starts:
asyncio tasks and `asyncio.to_thread` copy the context, and with it the reference, so an
incident noted by a use case in a worker thread shows on the listener's error line too. Outside
any scope (the CLI, tests calling services directly) noting an incident does nothing, so no
value lingers into unrelated lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class LogFields:
    request: str | None = None  # Socket Mode: Slack's envelope id; HTTP: generated
    incident: int | None = None  # the incident's number (INC-n)
    outbox_id: int | None = None


_current: ContextVar[LogFields | None] = ContextVar("warroom_log_fields", default=None)


@contextmanager
def scope(**fields: Any) -> Iterator[LogFields]:
    """Fields for the lines logged inside, starting from the enclosing scope's."""
    outer = _current.get()
    inner = LogFields(**{**(asdict(outer) if outer else {}), **fields})
    token = _current.set(inner)
    try:
        yield inner
    finally:
        _current.reset(token)


def working_on(incident: int | None) -> None:
    """The current scope's work is about this incident (nothing outside a scope)."""
    fields = _current.get()
    if fields is not None and incident is not None:
        fields.incident = incident


def new_request_id() -> str:
    """A short id for a request that brings none of its own (HTTP)."""
    return uuid.uuid4().hex[:12]


def current() -> dict[str, str | int]:
    """The fields that apply here, none of them empty."""
    fields = _current.get()
    if fields is None:
        return {}
    return {name: value for name, value in asdict(fields).items() if value is not None}
