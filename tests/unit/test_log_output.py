"""The log never shows a token, in plain text or JSON lines, whatever logger or exception."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app import log_output
from app.config import ConfigError

TOKEN = "xoxb-1234-5678-SeCrEt"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """configure() replaces the root handlers; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield io.StringIO()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    log_output._state["format"] = "text"


def log_a_leak() -> None:
    """What slack_sdk and aiohttp do: a token in the arguments and in an exception's text."""
    logging.getLogger("slack_sdk.web").info("headers: %s", {"Authorization": f"Bearer {TOKEN}"})
    try:
        raise RuntimeError(f"RequestInfo(headers=<'Authorization': 'Bearer {TOKEN}'>)")
    except RuntimeError:
        logging.getLogger("app.scheduler").exception("delivery failed")


def test_plain_text_lines_redact_message_and_traceback(stream: io.StringIO) -> None:
    log_output.configure("text", stream)
    log_a_leak()
    out = stream.getvalue()
    assert "xoxb-" not in out and "SeCrEt" not in out
    assert out.count("[redacted]") == 2 and "Traceback" in out
    assert " INFO slack_sdk.web: headers: {'Authorization': 'Bearer [redacted]'}" in out


def test_json_lines_have_time_level_logger_message_and_exc(stream: io.StringIO) -> None:
    log_output.configure("json", stream)
    log_a_leak()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the traceback stays inside its JSON line
    info, error = (json.loads(line) for line in lines)
    assert info.keys() == {"time", "level", "logger", "message"}
    assert (info["level"], info["logger"]) == ("INFO", "slack_sdk.web")
    assert info["message"] == "headers: {'Authorization': 'Bearer [redacted]'}"
    assert error["level"] == "ERROR" and error["message"] == "delivery failed"
    assert error["exc"].startswith("Traceback") and "[redacted]" in error["exc"]
    assert "xoxb-" not in stream.getvalue()
    assert info["time"].endswith("+00:00")


def test_the_format_is_json_or_plain_text() -> None:
    assert log_output.log_format(None) == log_output.log_format("") == "text"
    assert log_output.log_format(" JSON ") == "json"
    with pytest.raises(ConfigError, match="WARROOM_LOG_FORMAT: 'xml' is not a log format"):
        log_output.log_format("xml")
