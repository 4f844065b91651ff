"""GET /status (HTML), /status.json (Statuspage's summary.json), /status.atom (a feed of the
updates), and the Statuspage API's own paths (/api/v2/summary.json, status.json,
incidents.json) so that tools built for Statuspage find them. Public: no authentication; GET
and HEAD only (anything else 405); `status_page: null` leaves them out (404).

The page changes only when something is published to customers, so every form is rendered
once per change and served from memory, with an ETag (a conditional request gets 304).

Freshness across replicas: the cache is checked against the database's version (the newest
status post and the page's day: one indexed query) at most once every RECHECK_AFTER seconds.
While requests keep coming, that check runs beside them (they are served what the cache has
meanwhile); after a quiet spell of more than two intervals, the request waits for it. On the
replica that published, the commit marks the cache stale and the next request waits for the
new page. So a visitor sees a publication at once on that replica and within two seconds on
any other; under any load the database is asked at most once a second per replica, no request
waits for it, and rendering happens once per change.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.rendering.status_page import Rendered, render_all
from app.services import status_page
from app.services.context import ServiceContext
from app.services.status_page import Version
from app.status_page_config import StatusPageConfig

log = logging.getLogger(__name__)

RECHECK_AFTER = 1.0  # seconds a cached page is served before the database is asked again
HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
# (path, media type, which rendering); the JSON forms are read by widgets on other origins.
FORMS = (
    ("/status", HTML, "html"),
    ("/status.json", JSON, "summary"),
    ("/status.atom", ATOM, "atom"),
    ("/api/v2/summary.json", JSON, "summary"),
    ("/api/v2/status.json", JSON, "status"),
    ("/api/v2/incidents.json", JSON, "incidents"),
)


@dataclass
class Cached:
    version: Version
    rendered: Rendered
    etags: dict[str, str]
    checked: float  # monotonic time the version was last confirmed


class StatusPageCache:
    """One rendering of the page per version, shared by every request of this process."""

    def __init__(
        self,
        version: Callable[[], Version],
        load: Callable[[], tuple[Version, Rendered]],
        *,
        recheck_after: float = RECHECK_AFTER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._version, self._load = version, load
        self.recheck_after, self._monotonic = recheck_after, monotonic
        self._cached: Cached | None = None
        self._stale = False
        self._lock = asyncio.Lock()
        self._rechecking: asyncio.Task[None] | None = None

    def invalidate(self) -> None:
        """Something was published: the next request looks at the database. Called from
        whichever thread committed (a flag, no lock needed)."""
        self._stale = True

    async def current(self) -> Cached:
        cached = self._cached
        if cached is not None and not self._stale:
            age = self._monotonic() - cached.checked
            if age < self.recheck_after:
                return cached
            if age < 2 * self.recheck_after:  # a busy page: checked beside the requests
                self._recheck_soon()
                return cached
        async with self._lock:  # one request looks; those waiting take what it found
            cached = self._cached
            if cached is not None and self._fresh(cached):
                return cached
            return await self._refresh(cached)

    async def settled(self) -> None:
        """Once a check running beside the requests is over (for tests)."""
        if self._rechecking is not None:
            await self._rechecking

    def _recheck_soon(self) -> None:
        if self._rechecking is None or self._rechecking.done():
            self._rechecking = asyncio.create_task(self._recheck())

    async def _recheck(self) -> None:
        async with self._lock:
            cached = self._cached
            if cached is not None and not self._fresh(cached):
                await self._refresh(cached)  # with a page to fall back on, it never raises

    def _fresh(self, cached: Cached) -> bool:
        return not self._stale and self._monotonic() - cached.checked < self.recheck_after

    async def _refresh(self, cached: Cached | None) -> Cached:
        self._stale = False
        started = self._monotonic()
        try:
            if cached is not None and await asyncio.to_thread(self._version) == cached.version:
                cached.checked = started
                return cached
            version, rendered = await asyncio.to_thread(self._load)
        except Exception as exc:
            if cached is None:
                raise
            # The database did not answer: the last page is better than none. Asked again
            # after the usual interval.
            log.warning("status page not refreshed (%s); serving the last one", exc)
            cached.checked = started
            return cached
        self._cached = Cached(version, rendered, _etags(rendered), started)
        return self._cached


def _etags(rendered: Rendered) -> dict[str, str]:
    forms = {"html", "summary", "status", "incidents", "atom"}
    return {
        form: '"' + hashlib.sha256(getattr(rendered, form)).hexdigest()[:32] + '"' for form in forms
    }


def page_cache(ctx: ServiceContext, config: StatusPageConfig) -> StatusPageCache:
    """The cache of this process's page, reading through `ctx`."""

    def load() -> tuple[Version, Rendered]:
        version, page = status_page.read_page(ctx, config)
        return version, render_all(page, config, ctx.clock.now())

    return StatusPageCache(lambda: status_page.version(ctx, config), load)


def status_routes(cache: StatusPageCache, config: StatusPageConfig) -> list[BaseRoute]:
    policy = _content_policy(config)
    return [
        Route(path, _endpoint(cache, form, media, policy), methods=["GET"])  # HEAD too
        for path, media, form in FORMS
    ]


def _endpoint(
    cache: StatusPageCache, form: str, media: str, policy: str
) -> Callable[[Request], Awaitable[Response]]:
    headers = {"cache-control": "public, no-cache", "x-content-type-options": "nosniff"}
    if media == HTML:
        headers["content-security-policy"] = policy
    elif media == JSON:
        headers["access-control-allow-origin"] = "*"

    async def serve(request: Request) -> Response:
        try:
            cached = await cache.current()
        except Exception as exc:  # no page yet and the database does not answer
            log.warning("the status page could not be read: %s", type(exc).__name__)
            return Response(
                "The status page is unavailable; try again shortly.",
                status_code=503,
                media_type="text/plain",
                headers={"retry-after": "5"},
            )
        etag = cached.etags[form]
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={**headers, "etag": etag})
        body = getattr(cached.rendered, form)
        return Response(body, media_type=media, headers={**headers, "etag": etag})

    return serve


def _content_policy(config: StatusPageConfig) -> str:
    """Nothing runs and nothing is fetched, but the inline style and the configured logo."""
    images = config.logo_origin or "'none'"
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"img-src {images}; base-uri 'none'; form-action 'none'"
    )
