"""What every POST at the HTTP edge shares: a body read within a size and a time limit, and
refusals answered with a one-line reason and logged as one line (never the body, a header or
a token).

A Content-Length over the limit is refused before the body is read; the body is then read as
it arrives and cut off past the limit (413) or past the deadline (408). Nothing bigger than the
limit is buffered, and a slow client holds its own socket, nothing more.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request turned away at the edge; `close` ends the connection (its body is unread)."""

    def __init__(
        self,
        status: int,
        reason: str,
        size: int,
        *,
        close: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status, self.reason, self.size, self.close = status, reason, size, close
        self.headers = headers or {}


async def read_body(request: Request, limit: int, deadline: float) -> bytes:
    """The whole body, if it is at most `limit` bytes and in within `deadline` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"body over {limit} bytes", int(declared), close=True)
    body = bytearray()
    try:
        async with asyncio.timeout(deadline):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise Refused(413, f"body over {limit} bytes", len(body), close=True)
    except TimeoutError:
        raise Refused(408, f"body not in after {deadline:g} s", len(body), close=True) from None
    except ClientDisconnect:
        raise Refused(400, "client left before the body was in", len(body)) from None
    return bytes(body)


def refusal(request: Request, refused: Refused) -> Response:
    """The answer to a refused request, logged as one line: method, path, status, reason,
    size."""
    log.log(
        logging.WARNING if refused.status >= 500 else logging.INFO,
        "refused %s %s with %d: %s (%d bytes)",
        request.method,
        request.url.path,
        refused.status,
        refused.reason,
        refused.size,
    )
    headers = dict(refused.headers)
    if refused.close:
        headers["connection"] = "close"
    return Response(
        b"" if refused.status == 200 else refused.reason.encode(),
        status_code=refused.status,
        media_type="text/plain",
        headers=headers or None,
    )
