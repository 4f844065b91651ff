"""HTTP mode: Starlette on uvicorn, serving POST /slack/events, GET /healthz, and the routes
that are not Slack's (app/web/) on the same port.

Every POST to /slack/events passes the request guard (size, time, signature, shape, replay)
before Bolt sees it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import uvicorn
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app import log_context
from app.slack.ack_gate import CONTEXT_KEY, AckGate
from app.slack.request_guard import Arrival, Refused, RequestGuard
from app.web.site import healthz_route


def build_asgi(
    bolt_app: AsyncApp,
    healthy: Callable[[], Awaitable[bool]],
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
    gate: AckGate | None = None,
    *,
    guard: RequestGuard,
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """`routes`: the non-Slack routes (alerts, …) served on the same port."""
    gate = gate or AckGate()

    async def slack_events(request: Request) -> Response:
        received = time.perf_counter()
        # Slack's HTTP requests carry no id of their own: each gets one for the log.
        with log_context.scope(request=log_context.new_request_id()):
            try:
                return await dispatch(request, await guard.signed(request), received)
            except Refused as refused:
                return guard.refusal(request, refused)

    async def dispatch(request: Request, arrival: Arrival, received: float) -> Response:
        # Counted only now: a request whose body is still arriving is not waiting for an ack
        # (its latency is timed from `received`, as Slack times it).
        token = gate.arrived(received)
        try:
            bolt_request = await guard.admitted(request, arrival, {CONTEXT_KEY: token})
            # Returns once the listener has acked (Bolt polls for the ack every 10 ms).
            return to_starlette_response(await bolt_app.async_dispatch(bolt_request))
        finally:
            await gate.acked(token)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_start:
            await on_start()
        yield
        if on_stop:
            await on_stop()

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            healthz_route(healthy),
            *routes,
        ],
        lifespan=lifespan,
    )


def http_server(asgi: Starlette, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        log_config=None,  # keep the process's own logging setup
    )
    return uvicorn.Server(config)


async def serve_http(
    asgi: Starlette, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Serve until uvicorn sees SIGTERM/SIGINT, or until `stop` is set (a signal that arrived
    before uvicorn installed its own handlers)."""
    server = http_server(asgi, host, port)
    if stop is None:
        await server.serve()
        return

    async def exit_on_stop() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(exit_on_stop())
    try:
        await server.serve()
    finally:
        watcher.cancel()
