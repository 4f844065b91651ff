"""POST /alerts/alertmanager, /alerts/grafana and /alerts/events: from the network to one call
of the intake, `receive(alerts)`.

In order, each step trusting only what the steps before it checked:
1. A token is configured (WARROOM_ALERTS_TOKEN), else 404: the routes are off.
2. `Authorization: Bearer <token>`, compared in constant time, else 401. The body is not read.
3. Size and time (app/web/refusals.py): over 1 MB 413, too slow 408.
4. The shape (app/web/alert_payloads.py), else 400 with the reason.
5. The intake takes the alerts, else 503 with Retry-After: Alertmanager and Grafana retry
   (PagerDuty's clients retry 5xx too).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app import log_context
from app.domain.alerts import Alert, AlertsNotTaken
from app.services.health import Health, NoHealth
from app.web.alert_payloads import BadPayload, alertmanager_alerts, event_alert, grafana_alerts
from app.web.bearer import bearer_matches
from app.web.refusals import Refused, read_body, refusal

log = logging.getLogger(__name__)

Receiver = Callable[[list[Alert]], Awaitable[None]]
MAX_BODY = 1 << 20  # bytes: a thousand alerts fit with room to spare
BODY_DEADLINE = 10.0  # seconds for a whole body to arrive, from the request's headers
RETRY_AFTER = "10"  # seconds


@dataclass(frozen=True)
class AlertEdge:
    """What the routes need: the token, where the intake is, and the label naming a system.
    `intake` is looked up on every request, so it can be wired after the routes are built."""

    token: str
    intake: Callable[[], Receiver | None]
    system_label: str = "model"
    max_body: int = MAX_BODY
    body_deadline: float = BODY_DEADLINE
    # Events API clients that can only be given an integration key (no headers) may present the
    # token as the body's routing_key instead (`alerts.events_routing_key: true`).
    routing_key: bool = False
    health: Health = field(default_factory=NoHealth)  # counts the requests refused


def alert_routes(edge: AlertEdge) -> list[BaseRoute]:
    async def alertmanager(request: Request) -> Response:
        alerts, size = await _admitted(edge, request, alertmanager_alerts)
        await _hand_over(edge, alerts, size)
        return _ok(alerts)

    async def grafana(request: Request) -> Response:
        alerts, size = await _admitted(edge, request, grafana_alerts)
        await _hand_over(edge, alerts, size)
        return _ok(alerts)

    async def events(request: Request) -> Response:
        keyed = edge.routing_key and "authorization" not in request.headers
        alerts, size = await (
            _keyed(edge, request) if keyed else _admitted(edge, request, _one_event)
        )
        await _hand_over(edge, alerts, size)
        # What PagerDuty answers, so that its clients (which may read dedup_key) work unchanged.
        processed = {"status": "success", "message": "Event processed", "dedup_key": alerts[0].key}
        return JSONResponse(processed, 202)

    return [
        Route(f"/alerts/{name}", _refusing(edge, name, handler), methods=["POST"])
        for name, handler in (
            ("alertmanager", alertmanager),
            ("grafana", grafana),
            ("events", events),
        )
    ]


def _refusing(
    edge: AlertEdge, source: str, handler: Callable[[Request], Awaitable[Response]]
) -> Callable[..., Awaitable[Response]]:
    """The handler with its refusals answered. A request refused before its alerts were
    known counts once as `rejected` (a 503 after they were known is counted by the intake)."""

    async def endpoint(request: Request) -> Response:
        with log_context.scope(request=log_context.new_request_id()):
            try:
                return await handler(request)
            except Refused as refused:
                if refused.status < 500:
                    edge.health.alerts(source, "rejected")
                return refusal(request, refused)

    return endpoint


def _one_event(body: bytes, system_label: str) -> list[Alert]:
    return [event_alert(body, system_label)]


async def _admitted(
    edge: AlertEdge, request: Request, parse: Callable[[bytes, str], list[Alert]]
) -> tuple[list[Alert], int]:
    """The alerts in an authenticated request's body, and its size; raises Refused otherwise."""
    declared = request.headers.get("content-length", "0")
    size = int(declared) if declared.isdigit() else 0
    if not edge.token:
        raise Refused(404, "Not Found", size, close=True)
    if not bearer_matches(request.headers.get("authorization"), edge.token):
        raise Refused(401, "missing or wrong bearer token", size, close=True)
    body = await read_body(request, edge.max_body, edge.body_deadline)
    try:
        return parse(body, edge.system_label), len(body)
    except BadPayload as bad:
        raise Refused(400, bad.reason, len(body)) from None


async def _keyed(edge: AlertEdge, request: Request) -> tuple[list[Alert], int]:
    """An event with no Authorization header, its token in `routing_key`. The bounded body is
    read and its JSON parsed to find the key; nothing else of it is used before the key
    matches (compared in constant time)."""
    if not edge.token:
        raise Refused(404, "Not Found", 0, close=True)
    body = await read_body(request, edge.max_body, edge.body_deadline)
    if not hmac.compare_digest(_routing_key(body), edge.token.encode()):
        raise Refused(401, "missing or wrong routing_key", len(body), close=True)
    try:
        return _one_event(body, edge.system_label), len(body)
    except BadPayload as bad:
        raise Refused(400, bad.reason, len(body)) from None


def _routing_key(body: bytes) -> bytes:
    try:
        message = json.loads(body)
    except ValueError:  # includes invalid UTF-8
        return b""
    key = message.get("routing_key") if isinstance(message, dict) else None
    return key.encode() if isinstance(key, str) else b""


async def _hand_over(edge: AlertEdge, alerts: list[Alert], size: int) -> None:
    receive = edge.intake()
    if receive is None:
        for alert in alerts:
            edge.health.alerts(alert.source, "failed")
        raise Refused(503, "alert intake not running", size, headers={"retry-after": RETRY_AFTER})
    try:
        await receive(alerts)
    except AlertsNotTaken as exc:
        reason = f"alerts not taken now ({str(exc) or 'try again later'})"
        raise Refused(503, reason, size, headers={"retry-after": RETRY_AFTER}) from None
    except Exception as exc:  # whatever went wrong, the sender keeps the alerts and retries
        log.exception("the alert intake failed on %d alerts", len(alerts))
        reason = f"alert intake failed ({type(exc).__name__})"
        raise Refused(503, reason, size, headers={"retry-after": RETRY_AFTER}) from None


def _ok(alerts: list[Alert]) -> Response:
    return JSONResponse({"status": "ok", "alerts": len(alerts)})
