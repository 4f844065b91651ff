"""The log never shows a token, in plain text or JSON lines, whatever logger or exception."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from app import log_context, log_output
from app.config import ConfigError

TOKEN = "xoxb-1234-5678-SeCrEt"
FIELDS = {"request", "incident", "outbox_id"}


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


def test_lines_say_which_request_incident_and_outbox_row_they_are_about(
    stream: io.StringIO,
) -> None:
    log_output.configure("json", stream)
    work = logging.getLogger("app.scheduler")
    with log_context.scope(request="3f2a9c1e77d0"):
        work.info("handling")
        log_context.working_on(4)
        with log_context.scope(outbox_id=17):
            work.info("delivering")
        work.info("after the delivery")
    log_context.working_on(9)  # outside any scope: nothing to note it in
    work.info("outside")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    fields = [{k: v for k, v in line.items() if k in FIELDS} for line in lines]
    assert fields == [
        {"request": "3f2a9c1e77d0"},
        {"request": "3f2a9c1e77d0", "incident": 4, "outbox_id": 17},
        {"request": "3f2a9c1e77d0", "incident": 4},
        {},
    ]


def test_plain_lines_show_the_fields_briefly_after_the_message(stream: io.StringIO) -> None:
    log_output.configure("text", stream)
    with log_context.scope(request="3f2a9c1e77d0", incident=4, outbox_id=17):
        logging.getLogger("app.scheduler").info("token %s", TOKEN)
    line = stream.getvalue().splitlines()[0]
    assert line.endswith(" INFO app.scheduler: token [redacted] [INC-4 outbox=17 req=3f2a9c1e]")


async def test_a_thread_started_in_a_scope_notes_the_incident_for_the_whole_scope() -> None:
    """A use case runs in a worker thread; the listener that awaits it logs its error with the
    incident the use case found."""
    with log_context.scope(request="r1") as fields:
        await asyncio.to_thread(log_context.working_on, 7)
        assert log_context.current() == {"request": "r1", "incident": 7}
    assert fields.incident == 7 and log_context.current() == {}
