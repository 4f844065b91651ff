"""The baseline for ack latency: a Bolt app whose `/incident` only acks, on Warroom's stack.

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… python -m bench.bare_app --port P

Same AsyncApp settings as app/slack/bolt_app.py (a token-bearing AsyncWebClient, signed requests,
process_before_response=False), served by the same app.slack.http_server.build_asgi (Starlette,
the request guard, Bolt) on the same uvicorn configuration (http_server). Only the listener
differs: it acks and does nothing else; and the guard remembers the requests it has seen in
memory, since this app has no database. GET /healthz always answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from app.slack.http_server import build_asgi, http_server
from app.slack.replays import MemorySightings
from app.slack.request_guard import RequestGuard
from app.slack.signatures import WINDOW


def build_bare_app(token: str, signing_secret: str, api_url: str) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        request_verification_enabled=False,  # the request guard verifies, as in Warroom
        process_before_response=False,
    )

    @app.command("/incident")
    async def incident_command(ack: AsyncAck) -> None:
        await ack()

    return app


async def healthy() -> bool:
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    secret = os.environ["SLACK_SIGNING_SECRET"]
    app = build_bare_app(os.environ["SLACK_BOT_TOKEN"], secret, os.environ["SLACK_API_URL"])
    guard = RequestGuard(secret, MemorySightings(timedelta(seconds=WINDOW)))
    asgi = build_asgi(app, healthy, guard=guard)
    asyncio.run(http_server(asgi, args.host, args.port).serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
