"""Requests that never came from Slack: oversized, slow, malformed, replayed, forged.

Each is sent over real HTTP into the app the harness serves. Bodies that must never be sent in
full (a declared 2 MiB, a trickle) go over a raw socket, since an HTTP client would wait to
send the whole body before reading the answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.persistence.tables import Incident, SeenRequest
from app.slack.replays import SharedSightings
from app.slack.request_guard import MAX_BODY, EdgeLimits
from tests.fakes import requests as slack_requests
from tests.harness import SIGNING_SECRET, Warroom

WAIT = 5.0  # seconds to wait for an answer that should come at once


class RawRequest:
    """One HTTP/1.1 request written by hand, a piece at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, warroom: Warroom, headers: dict[str, str]) -> RawRequest:
        reader, writer = await asyncio.open_connection("127.0.0.1", warroom.port)
        lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_chunk(self, data: bytes) -> None:
        await self.send(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    async def status(self, timeout: float = WAIT) -> int:
        """The status code of the answer, once it comes (a TimeoutError if it does not)."""
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        assert line.startswith(b"HTTP/1.1 "), line
        return int(line.split()[1])

    def close(self) -> None:
        self.writer.close()


def signed_declare(
    warroom: Warroom, title: str, *, pad: int = 0, response_url: str | None = None
) -> tuple[bytes, dict[str, str]]:
    body = slack_requests.slash_command_body(
        f"declare sev2 {title}",
        user_id=warroom.people.alice,
        channel_id=warroom.general,
        response_url=response_url or warroom.fake.new_response_url(),
        trigger_id=warroom.fake.issue_trigger_id(),
    )
    if pad:
        body += b"&pad=" + b"x" * pad
    return body, slack_requests.signed_headers(SIGNING_SECRET, body)


NOT_THE_APPS = {
    "httpx",  # the test's own HTTP client
    "uvicorn.access",  # off in the app (access_log=False), but caplog sees it anyway
}


@contextmanager
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """The records the app logged (INFO and up, any logger) inside the block."""
    caplog.set_level(logging.INFO)
    before = len(caplog.records)
    records: list[logging.LogRecord] = []
    yield records
    records.extend(r for r in caplog.records[before:] if r.name not in NOT_THE_APPS)


# -- size ---------------------------------------------------------------------------------------


async def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(
    warroom: Warroom,
) -> None:
    # Only the headers go out: an answer now shows the body was never waited for, let alone read.
    request = await RawRequest.open(
        warroom,
        {
            "Content-Type": slack_requests.FORM_CONTENT_TYPE,
            "Content-Length": str(MAX_BODY + 1),
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    try:
        assert await request.status() == 413
    finally:
        request.close()
    reply = await warroom.command("declare sev3 Still answering after a 413")
    assert reply.response.status_code == 200
    await warroom.settle()
    assert [i.title for i in warroom.rows(Incident)] == ["Still answering after a 413"]


async def test_a_chunked_body_growing_past_the_limit_is_cut_off(warroom: Warroom) -> None:
    # A correctly signed declaration, padded past the limit and sent with no Content-Length.
    body, headers = signed_declare(warroom, "Oversized but signed", pad=MAX_BODY)
    request = await RawRequest.open(warroom, {**headers, "Transfer-Encoding": "chunked"})
    try:
        sent = 0
        while sent <= MAX_BODY:  # the terminating chunk never comes
            await request.send_chunk(body[sent : sent + 65536])
            sent += 65536
        assert await request.status() == 413
    finally:
        request.close()
    await warroom.settle()
    assert warroom.rows(Incident) == []


# -- time ---------------------------------------------------------------------------------------


async def test_a_trickling_body_times_out_and_holds_nobody_back(warroom: Warroom) -> None:
    warroom.guard.limits = EdgeLimits(body_deadline=3.0)
    body, headers = signed_declare(warroom, "Trickled")
    slow = await RawRequest.open(warroom, headers | {"Content-Length": str(len(body))})

    async def trickle() -> None:
        for byte in body[:-1]:  # a byte every 100 ms: never idle, never done
            await slow.send(bytes([byte]))
            await asyncio.sleep(0.1)

    trickling = asyncio.create_task(trickle())
    try:
        replies = await asyncio.gather(
            *(warroom.command(f"declare sev3 Meanwhile number {n}") for n in range(5))
        )
        assert [r.response.status_code for r in replies] == [200] * 5
        # Every ack is out; the half-sent request is not counted as one waiting for its ack.
        assert warroom.app.deps.gate.waiting_for_ack == 0
        await warroom.settle()
        assert len(warroom.rows(Incident)) == 5
        assert all(warroom.incident_channel(n) for n in range(1, 6))
        assert await slow.status() == 408
    finally:
        trickling.cancel()
        slow.close()
    assert "Trickled" not in {i.title for i in warroom.rows(Incident)}


# -- junk ---------------------------------------------------------------------------------------

FORM = slack_requests.FORM_CONTENT_TYPE
JSON = slack_requests.JSON_CONTENT_TYPE
JUNK = {
    "timestamp that is not a number": (b"command=%2Fincident&text=help", FORM, "soon", 401),
    "payload that is a JSON list": (b"payload=%5B1%5D", FORM, None, 400),
    "JSON body that is a list": (b"[1, 2]", JSON, None, 400),
    "body that is not UTF-8": (b"command=%2Fincident&text=\xff\xfe", FORM, None, 400),
    "payload that is not JSON": (b"payload=%7Bnope", FORM, None, 400),
    "unsigned request": (b"command=%2Fincident&text=help", FORM, "unsigned", 401),
}


@pytest.mark.parametrize("case", list(JUNK))
async def test_junk_is_refused_with_one_short_log_line(
    warroom: Warroom, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, content_type, timestamp, status = JUNK[case]
    headers = slack_requests.signed_headers(SIGNING_SECRET, body, content_type=content_type)
    if timestamp == "unsigned":
        del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
    elif timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    with logged(caplog) as records:
        response = await warroom.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == status
    assert "Traceback" not in response.text
    [record] = records
    assert record.levelno == logging.INFO and record.exc_info is None
    line = record.getMessage()
    assert line.startswith("refused POST /slack/events") and len(line) < 120, line


# -- replays ------------------------------------------------------------------------------------


@pytest.mark.parametrize("arrival", ["one after the other", "at once"])
async def test_a_signed_declaration_sent_three_times_opens_one_incident(
    warroom: Warroom, caplog: pytest.LogCaptureFixture, arrival: str
) -> None:
    body, headers = signed_declare(warroom, "Sent once, received thrice")

    async def send() -> httpx.Response:
        return await warroom.http.post("/slack/events", content=body, headers=headers)

    with logged(caplog) as records:
        if arrival == "at once":
            responses = list(await asyncio.gather(send(), send(), send()))
        else:
            responses = [await send() for _ in range(3)]
    # Replays answer 200 with nothing: Slack would not retry, and nobody is shown an error.
    assert [r.status_code for r in responses] == [200] * 3
    [ack] = [r for r in responses if r.content]
    assert "Declaring" in ack.text
    await warroom.settle()
    assert [i.title for i in warroom.rows(Incident)] == ["Sent once, received thrice"]
    replays = [r.getMessage() for r in records if "replay" in r.getMessage()]
    assert len(replays) == 2, replays


async def test_what_was_seen_is_forgotten_once_a_replay_could_no_longer_pass(
    warroom: Warroom,
) -> None:
    now = datetime.now(UTC)
    with warroom.app.db.transaction() as session:
        for key, age in (("expired", 301), ("still-replayable", 200)):
            at = now - timedelta(seconds=age)
            session.add(SeenRequest(key=key, signed_at=at, seen_at=at))
    reply = await warroom.command("declare sev3 The first request after a restart")
    assert reply.response.status_code == 200
    await warroom.settle()
    keys = {row.key for row in warroom.rows(SeenRequest)}
    assert "expired" not in keys and "still-replayable" in keys and len(keys) == 2


async def test_shared_sightings_arriving_together_are_written_together_and_once(
    warroom: Warroom,
) -> None:
    """What each PostgreSQL replica does before an ack (here on the harness's database)."""
    shared = SharedSightings(warroom.app.ctx, timedelta(minutes=5))
    now = datetime.now(UTC)
    keys = ["k1", "k2", "k1", "k1"]
    answers = await asyncio.gather(*(shared.first_sighting(k, now, now) for k in keys))
    assert answers == [True, True, False, False]
    assert await shared.first_sighting("k2", now, now) is False
    assert {row.key for row in warroom.rows(SeenRequest)} == {"k1", "k2"}


async def test_a_replay_after_a_restart_is_still_dropped(warroom: Warroom) -> None:
    body, headers = signed_declare(warroom, "Declared before the restart")
    first = await warroom.http.post("/slack/events", content=body, headers=headers)
    assert "Declaring" in first.text
    await warroom.settle()
    await warroom.stop()
    restarted = Warroom(warroom.fake, warroom.database_url, clock=warroom.clock, seed=False)
    await restarted.start()
    try:
        replay = await restarted.http.post("/slack/events", content=body, headers=headers)
        assert (replay.status_code, replay.content) == (200, b"")
        await restarted.settle()
        assert [i.title for i in restarted.rows(Incident)] == ["Declared before the restart"]
    finally:
        await restarted.stop()


async def test_slacks_retries_of_an_event_reach_the_app_and_replays_do_not(
    warroom: Warroom,
) -> None:
    """Slack re-sends an event its app did not take: same body, a new signature, or the same
    one within the same second. None of these is a replay (event_id dedupe is the app's
    business), so each must reach the listeners; an exact copy of one of them must not. A
    guard keyed on the body, or on the signature alone, would drop the retries."""
    reached: list[str] = []

    @warroom.app.bolt_app.event("warroom_probe")
    async def probe(body: dict[str, Any]) -> None:
        reached.append(body["event_id"])

    body = slack_requests.event_callback_body({"type": "warroom_probe"}, event_id="Ev0PROBE01")
    sent_at = int(time.time())

    async def attempt(timestamp: int, retry: int = 0) -> int:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
        response = await warroom.post(
            body, timestamp=timestamp, content_type=JSON, headers=headers if retry else None
        )
        return response.status_code

    assert await attempt(sent_at) == 200
    assert await attempt(sent_at, retry=1) == 200  # at once: same timestamp, same signature
    assert await attempt(sent_at + 1, retry=2) == 200  # later: a new signature
    assert await attempt(sent_at + 1, retry=2) == 200  # that very request again: a replay
    assert await attempt(sent_at + 2, retry=3) == 200
    await warroom.fake.async_wait_for(lambda: len(reached) >= 4 or None)
    await warroom.settle()
    assert reached == ["Ev0PROBE01"] * 4


# -- logs ---------------------------------------------------------------------------------------


async def test_refusals_never_log_the_body_the_signature_or_the_response_url(
    warroom: Warroom, caplog: pytest.LogCaptureFixture
) -> None:
    response_url = warroom.fake.new_response_url()
    body, headers = signed_declare(warroom, "Secret project Nightingale", response_url=response_url)
    forged = {**headers, "X-Slack-Signature": "v0=" + "ab" * 32}
    stale = slack_requests.signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 400)
    with logged(caplog) as records:
        answers = [
            await warroom.http.post("/slack/events", content=body, headers=h)
            for h in (forged, stale, headers, headers)  # the last one is a replay
        ]
        await warroom.settle()
    assert [a.status_code for a in answers] == [401, 401, 200, 200]
    text = "\n".join(r.getMessage() + str(r.args) for r in records)
    assert text.count("refused POST /slack/events") == 3, text
    for secret in ("Nightingale", "response_url", response_url, quote(response_url, safe="")):
        assert secret not in text
    for signature in (forged, stale, headers):
        assert signature["X-Slack-Signature"] not in text
        assert signature["X-Slack-Signature"][3:20] not in text
