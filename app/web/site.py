"""The routes that are not Slack's, and the small app serving them alone (`serve --web-port`
in Socket Mode). In HTTP mode the same routes sit beside /slack/events on the one port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route


def healthz_route(healthy: Callable[[], Awaitable[bool]]) -> Route:
    """GET /healthz: 200 once the database answers, else 503."""

    async def healthz(request: Request) -> Response:
        ok = await healthy()
        return JSONResponse({"ok": ok}, status_code=200 if ok else 503)

    return Route("/healthz", healthz, methods=["GET"])


def web_asgi(healthy: Callable[[], Awaitable[bool]], routes: Sequence[BaseRoute]) -> Starlette:
    """/healthz and `routes`, nothing of Slack's: the bot itself runs over Socket Mode."""
    return Starlette(routes=[healthz_route(healthy), *routes])
