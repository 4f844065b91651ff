"""POST /alerts/alertmanager, /alerts/grafana and /alerts/events over real HTTP into the app the
harness serves: authentication, size, time, shape, and what reaches the intake.

The intake is not part of this edge: a recorder stands in for it (`runtime.receive_alerts`),
as the real one will be wired there.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from app.config import parse_config
from app.domain.alerts import Alert, AlertsNotTaken
from app.web import alert_routes
from app.web.alert_routes import MAX_BODY
from tests.alert_bodies import alertmanager, am_alert, changed, encoded, event, grafana
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom

TOKEN = "alerts-token-5b0c1e7d9a"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
WAIT = 5.0
ROUTES = {
    "/alerts/alertmanager": alertmanager(),
    "/alerts/grafana": grafana(),
    "/alerts/events": event(),
}


class Intake:
    """Records what the routes hand over; `fail` makes the next calls raise it."""

    def __init__(self) -> None:
        self.batches: list[list[Alert]] = []
        self.fail: Exception | None = None

    async def __call__(self, alerts: list[Alert]) -> None:
        if self.fail is not None:
            raise self.fail
        self.batches.append(alerts)


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(fake, sqlite_url, alerts_token=TOKEN, alert_body_deadline=1.0)
    await room.start()
    yield room
    await room.stop()


@pytest.fixture
def intake(room: Warroom) -> Intake:
    recorder = Intake()
    room.app.receive_alerts = recorder
    return recorder


@contextmanager
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """The lines the app logged inside the block (not the test's own HTTP client's)."""
    caplog.set_level(logging.INFO)
    before = len(caplog.records)
    lines: list[str] = []
    yield lines
    records = caplog.records[before:]
    lines += [r.getMessage() for r in records if r.name.startswith("app.")]


async def post(
    room: Warroom, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = body if isinstance(body, bytes) else encoded(body)
    return await room.http.post(
        path, content=content, headers=BEARER if headers is None else headers
    )


# --- what reaches the intake -------------------------------------------------------------------


async def test_an_alertmanager_notification_reaches_the_intake(
    room: Warroom, intake: Intake
) -> None:
    response = await post(
        room, "/alerts/alertmanager", alertmanager(am_alert(), am_alert(fingerprint="2"))
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "alerts": 2}
    [batch] = intake.batches
    assert [(a.source, a.key, a.status, a.system) for a in batch] == [
        ("alertmanager", "c6eadffa33fcdf37", "firing", "fraud-scorer"),
        ("alertmanager", "2", "firing", "fraud-scorer"),
    ]


async def test_grafanas_notification_reaches_the_intake(room: Warroom, intake: Intake) -> None:
    response = await post(room, "/alerts/grafana", grafana())
    assert (response.status_code, response.json()) == (200, {"status": "ok", "alerts": 2})
    assert [a.title for a in intake.batches[0]] == [
        "This alert was triggered for zone us-1",
        "ModelDrift on churn-predictor",
    ]


async def test_an_event_is_answered_as_pagerduty_answers_with_its_dedup_key(
    room: Warroom, intake: Intake
) -> None:
    response = await post(room, "/alerts/events", event())
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "srv01/mysql",
    }
    [[alert]] = intake.batches
    assert (alert.key, alert.status, alert.system) == ("srv01/mysql", "firing", "fraud-scorer")


async def test_a_trigger_without_a_dedup_key_is_told_the_key_it_can_resolve_with(
    room: Warroom, intake: Intake
) -> None:
    triggered = await post(room, "/alerts/events", changed(event(), "dedup_key", ...))
    key = triggered.json()["dedup_key"]
    resolve = {"routing_key": "r" * 32, "dedup_key": key, "event_action": "resolve"}
    resolved = await post(room, "/alerts/events", resolve)
    assert (triggered.status_code, resolved.status_code) == (202, 202)
    assert resolved.json()["dedup_key"] == key
    assert [(b[0].key, b[0].status) for b in intake.batches] == [(key, "firing"), (key, "resolved")]


async def test_the_intake_not_running_is_a_503_that_senders_retry(
    room: Warroom, caplog: pytest.LogCaptureFixture
) -> None:
    room.app.receive_alerts = None  # as while a replica is still starting
    with logged(caplog) as lines:
        response = await post(room, "/alerts/alertmanager", alertmanager())
    assert response.status_code == 503
    assert response.text == "alert intake not running"
    assert response.headers["retry-after"] == "10"
    size = len(encoded(alertmanager()))
    expected = (
        f"refused POST /alerts/alertmanager with 503: alert intake not running ({size} bytes)"
    )
    assert lines == [expected]


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (AlertsNotTaken("database unavailable"), "alerts not taken now (database unavailable)"),
        (RuntimeError("boom"), "alert intake failed (RuntimeError)"),
    ],
)
async def test_an_intake_that_cannot_take_the_alerts_is_a_503_with_retry_after(
    room: Warroom, intake: Intake, failure: Exception, reason: str
) -> None:
    intake.fail = failure
    for path, body in ROUTES.items():
        response = await post(room, path, body)
        assert (response.status_code, response.text) == (503, reason), path
        assert response.headers["retry-after"] == "10"
    intake.fail = None
    assert (await post(room, "/alerts/events", event())).status_code == 202


# --- authentication ----------------------------------------------------------------------------


async def test_without_a_configured_token_the_routes_are_not_there(warroom: Warroom) -> None:
    for path, body in ROUTES.items():
        response = await post(warroom, path, body)
        assert response.status_code == 404, path
    assert (await warroom.http.get("/healthz")).status_code == 200


WRONG = [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
    {"Authorization": "Bearer ünïcode".encode()},  # type: ignore[dict-item]
    {"X-Auth-Token": TOKEN},
]


@pytest.mark.parametrize("headers", WRONG, ids=[str(i) for i in range(len(WRONG))])
async def test_a_missing_or_wrong_token_is_a_401_and_the_body_is_not_read(
    room: Warroom, intake: Intake, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with logged(caplog) as lines:
        for path in ROUTES:
            # Malformed on purpose: a 401, not a 400, shows nothing was parsed.
            response = await post(room, path, b"{not json", headers)
            assert (response.status_code, response.text) == (401, "missing or wrong bearer token")
    assert intake.batches == []
    assert len(lines) == 3 and all("with 401" in line for line in lines)
    assert not any(TOKEN in line or "not json" in line for line in lines)


async def test_the_scheme_is_case_insensitive(room: Warroom, intake: Intake) -> None:
    response = await post(room, "/alerts/events", event(), {"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 202


async def test_the_token_is_compared_in_constant_time(
    room: Warroom, intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(alert_routes.hmac, "compare_digest", compare_digest)
    wrong = await post(room, "/alerts/events", event(), {"Authorization": "Bearer guess"})
    right = await post(room, "/alerts/events", event())
    assert (wrong.status_code, right.status_code) == (401, 202)
    assert compared == [(b"guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


# --- size and time -----------------------------------------------------------------------------


async def raw(
    room: Warroom, path: str, headers: dict[str, str]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", room.port)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    return reader, writer


async def status(reader: asyncio.StreamReader) -> int:
    line = await asyncio.wait_for(reader.readline(), WAIT)
    assert line.startswith(b"HTTP/1.1 "), line
    return int(line.split()[1])


async def test_a_body_declared_over_1_mb_is_refused_before_it_is_sent(
    room: Warroom, intake: Intake
) -> None:
    headers = {**BEARER, "Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1)}
    reader, writer = await raw(room, "/alerts/alertmanager", headers)
    try:
        assert await status(reader) == 413
    finally:
        writer.close()
    assert (await post(room, "/alerts/events", event())).status_code == 202


async def test_a_chunked_body_growing_past_1_mb_is_cut_off(room: Warroom, intake: Intake) -> None:
    headers = {**BEARER, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    reader, writer = await raw(room, "/alerts/grafana", headers)
    try:
        chunk = b" " * 65536
        answered = None
        for _ in range(MAX_BODY // len(chunk) + 4):
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0)  # let the server read
        answered = await status(reader)
        assert answered == 413
    finally:
        writer.close()
    assert intake.batches == []


async def test_a_body_just_under_1_mb_is_read(room: Warroom, intake: Intake) -> None:
    body = encoded(alertmanager())
    padded = body[:-1] + b', "pad": "' + b"x" * (MAX_BODY - len(body) - 20) + b'"}'
    assert len(padded) <= MAX_BODY
    assert (await post(room, "/alerts/alertmanager", padded)).status_code == 200


async def test_a_body_that_trickles_in_times_out(room: Warroom, intake: Intake) -> None:
    body = encoded(event())
    headers = {**BEARER, "Content-Type": "application/json", "Content-Length": str(len(body))}
    reader, writer = await raw(room, "/alerts/events", headers)
    try:
        writer.write(body[:10])
        await writer.drain()
        assert await status(reader) == 408  # the harness allows this edge 1 s
    finally:
        writer.close()
    assert intake.batches == []


# --- shape -------------------------------------------------------------------------------------

BAD = [
    ("/alerts/alertmanager", b"", "body is not JSON"),
    ("/alerts/alertmanager", b"[]", "body is not a JSON object"),
    (
        "/alerts/alertmanager",
        encoded(changed(alertmanager(), "version", "3")),
        '"version" must be "4"',
    ),
    (
        "/alerts/alertmanager",
        encoded(changed(alertmanager(), "alerts.0.status", "pending")),
        "alerts[0].status",
    ),
    ("/alerts/alertmanager", encoded(alertmanager(*[am_alert()] * 1001)), "more than 1000 alerts"),
    ("/alerts/grafana", encoded(changed(grafana(), "alerts", "x")), '"alerts" must be a list'),
    (
        "/alerts/grafana",
        encoded(changed(grafana(), "alerts.1.startsAt", "soon")),
        "alerts[1].startsAt",
    ),
    ("/alerts/events", encoded(changed(event(), "event_action", "page")), '"event_action" must be'),
    ("/alerts/events", encoded({"event_action": "resolve"}), '"dedup_key" is required to resolve'),
    (
        "/alerts/events",
        encoded(changed(event(), "payload.severity", "sev1")),
        '"payload.severity" must',
    ),
    (
        "/alerts/events",
        encoded(changed(event(), "payload.summary", ...)),
        '"payload.summary" is required',
    ),
]


@pytest.mark.parametrize(("path", "body", "reason"), BAD, ids=[f"{p}:{r}" for p, _, r in BAD])
async def test_a_malformed_body_is_a_400_with_a_one_line_reason(
    room: Warroom,
    intake: Intake,
    path: str,
    body: bytes,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with logged(caplog) as lines:
        response = await post(room, path, body)
    assert response.status_code == 400
    assert reason in response.text and "\n" not in response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert intake.batches == []
    [line] = lines
    assert line.startswith(f"refused POST {path} with 400: ") and len(line) < 160
    assert "fraud-scorer" not in line and "srv01" not in line  # never the body


async def test_only_post_is_served(room: Warroom, intake: Intake) -> None:
    response = await room.http.get("/alerts/alertmanager", headers=BEARER)
    assert response.status_code == 405


# --- the token as the Events API's routing_key -----------------------------------------------


async def test_an_events_client_without_headers_may_present_the_token_as_routing_key(
    fake: FakeSlack, sqlite_url: str
) -> None:
    config = parse_config({"alerts": {"events_routing_key": True}})
    room = await Warroom(fake, sqlite_url, alerts_token=TOKEN, config=config).start()
    try:
        recorder = Intake()
        room.app.receive_alerts = recorder
        keyed = await post(room, "/alerts/events", {**event(), "routing_key": TOKEN}, headers={})
        assert keyed.status_code == 202 and keyed.json()["dedup_key"] == "srv01/mysql"
        assert [a.key for batch in recorder.batches for a in batch] == ["srv01/mysql"]

        wrong = await post(room, "/alerts/events", event(), headers={})  # PagerDuty's own key
        junk = await post(room, "/alerts/events", b"\xff not json", headers={})
        assert (wrong.status_code, junk.status_code) == (401, 401)
        assert len(recorder.batches) == 1
        with_header = await post(room, "/alerts/events", event())  # the header still works
        assert with_header.status_code == 202
    finally:
        await room.stop()


async def test_without_the_option_a_routing_key_is_not_a_token(
    room: Warroom, intake: Intake
) -> None:
    answer = await post(room, "/alerts/events", {**event(), "routing_key": TOKEN}, headers={})
    assert answer.status_code == 401 and intake.batches == []
