"""The process's log: plain text or one JSON object per line, with Slack tokens redacted.

Redaction happens in the formatter, on the finished line, so it covers the message, its
arguments and the exception text alike: a library exception's repr can carry request headers
(`Authorization: Bearer xoxb-…`), and nobody reviews every `log.exception` for that.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from app import log_context
from app.config import ConfigError
from app.domain.text import redact

FORMATS = ("text", "json")
_PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_state = {"format": "text"}


class RedactingFormatter(logging.Formatter):
    """Plain text lines, what they are about in brackets after the message (`[INC-4
    outbox=17 req=3f2a9c1e]`); exception text is redacted where it is cached on the record too.
    """

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record) + _brief(log_context.current())

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _brief(fields: dict[str, str | int]) -> str:
    shown = []
    if "incident" in fields:
        shown.append(f"INC-{fields['incident']}")
    if "outbox_id" in fields:
        shown.append(f"outbox={fields['outbox_id']}")
    if "request" in fields:
        shown.append(f"req={str(fields['request'])[:8]}")
    return f" [{' '.join(shown)}]" if shown else ""


class JsonLinesFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "incident"?, "outbox_id"?, "request"?, "exc"?}`,
    one object per line; `incident` (the number of INC-n) and `outbox_id` are integers."""

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str | int] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **log_context.current(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def log_format(value: str | None) -> str:
    """WARROOM_LOG_FORMAT: `json`, or unset (or `text`) for plain lines."""
    chosen = (value or "text").strip().lower()
    if chosen not in FORMATS:
        raise ConfigError(
            f"WARROOM_LOG_FORMAT: {value!r} is not a log format; use json, or leave it unset "
            "for plain text"
        )
    return chosen


def configure(fmt: str, stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Replace the root logger's handlers with one that writes redacted lines to stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if fmt == "json" else RedactingFormatter(_PLAIN))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings reach the same redacting handler
    _state["format"] = fmt


def report_fatal(message: str) -> None:
    """Why the process stops: `warroom: …` on stderr, or a JSON line when logs are JSON."""
    if _state["format"] == "json":
        logging.getLogger("warroom").error(message)
    else:
        print(f"warroom: {redact(message)}", file=sys.stderr)
