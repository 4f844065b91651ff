"""GET /metrics: Warroom's own health in the Prometheus text format (app/health_metrics.py).

Open by default, as Prometheus scrapes usually are on an internal port. With
WARROOM_METRICS_TOKEN set it wants `Authorization: Bearer <token>` (Prometheus's
`authorization: {credentials: …}` in the scrape config), else 401.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.web.bearer import bearer_matches

# Renders the metrics in the format an Accept header asks for: (body, content type).
Exposition = Callable[[str | None], tuple[bytes, str]]


def metrics_route(exposition: Exposition, token: str = "") -> Route:
    async def metrics(request: Request) -> Response:
        if token and not bearer_matches(request.headers.get("authorization"), token):
            return PlainTextResponse(
                "missing or wrong bearer token (WARROOM_METRICS_TOKEN)",
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
        # In a worker thread: the gauges of the shared database are read now.
        body, content_type = await asyncio.to_thread(exposition, request.headers.get("accept"))
        return Response(body, media_type=content_type)

    return Route("/metrics", metrics, methods=["GET"])
