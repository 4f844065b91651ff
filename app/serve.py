"""`warroom serve`: migrate, check the tokens, then run the bot over Socket Mode or HTTP until
SIGTERM or SIGINT, which stop it within seconds in every state (connected to Slack or not)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from app.bootstrap import Runtime, build_runtime, smtp_settings
from app.config import Settings
from app.persistence.migrate import upgrade
from app.slack.backoff import keep_trying
from app.slack.token_check import check_bot_token, check_client

log = logging.getLogger("warroom")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(
    settings: Settings, *, http: bool, host: str, port: int, web_port: int | None = None
) -> int:
    """`web_port`: Socket Mode only, the port of the listener for the routes that are not
    Slack's (alerts, /healthz). In HTTP mode they share `port`."""
    runtime = build_runtime(settings)
    upgrade(runtime.db.engine)
    _freeze_startup_heap()
    log.info("database ready; starting in %s", "HTTP mode" if http else "Socket Mode")
    asyncio.run(_serve(runtime, http=http, host=host, port=port, web_port=web_port))
    log.info("stopped")
    return 0


def _freeze_startup_heap() -> None:
    """Move everything start-up created (about 100k objects from slack_bolt, SQLAlchemy,
    pydantic) out of the garbage collector's sight: otherwise each full collection scans them
    all, a ~35 ms pause that lands on whatever acks are waiting at that moment."""
    gc.collect()
    gc.freeze()


async def _serve(
    runtime: Runtime, *, http: bool, host: str, port: int, web_port: int | None
) -> None:
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        if not await _bot_token_accepted(runtime, stop):
            return
        if http:
            await _serve_http(runtime, host, port, stop)
        else:
            web = (host, web_port) if web_port is not None else None
            await _serve_socket_mode(runtime, stop, web)


@contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, _stopping, stop, sig)
    try:
        yield
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def _stopping(stop: asyncio.Event, sig: signal.Signals) -> None:
    if not stop.is_set():
        log.info("%s received; stopping", sig.name)
    stop.set()


async def _bot_token_accepted(runtime: Runtime, stop: asyncio.Event) -> bool:
    """auth.test before anything talks to Slack: a refused token stops start-up (TokenRefused)
    rather than have the outbox give up on every row. False: stopped while waiting for Slack."""
    settings = runtime.settings
    client = check_client(settings.slack_api_url, settings.slack_bot_token)
    who = await keep_trying(lambda: check_bot_token(client), what="auth.test", stop=stop)
    if who is None:
        return False
    log.info("SLACK_BOT_TOKEN accepted by Slack (%s)", who)
    return True


async def _serve_http(runtime: Runtime, host: str, port: int, stop: asyncio.Event) -> None:
    from app.slack.http_server import build_asgi, serve_http

    asgi = build_asgi(
        runtime.bolt_app,
        runtime.healthy,
        runtime.start,
        runtime.stop,
        runtime.deps.gate,
        guard=runtime.http_guard(),
        routes=runtime.web_routes(),
    )
    log.info(
        "serving POST /slack/events, /alerts/…, GET /metrics and /healthz on %s:%s", host, port
    )
    _say_which_routes_answer(runtime)
    _say_where_email_goes(runtime)
    _say_status_page(runtime)
    await serve_http(asgi, host, port, stop)


async def _serve_socket_mode(
    runtime: Runtime, stop: asyncio.Event, web: tuple[str, int] | None
) -> None:
    from app.slack.socket_mode import serve_socket_mode, socket_mode_handler

    handler = socket_mode_handler(
        runtime.bolt_app,
        runtime.settings.slack_app_token,
        runtime.client,
        on_ack=runtime.socket_mode_ack,
    )
    _say_where_email_goes(runtime)
    await runtime.start()
    try:
        if web is None:
            await serve_socket_mode(handler, stop)
        else:
            await asyncio.gather(serve_socket_mode(handler, stop), _serve_web(runtime, *web, stop))
    finally:
        await runtime.stop()


async def _serve_web(runtime: Runtime, host: str, port: int, stop: asyncio.Event) -> None:
    """The listener for the routes that are not Slack's, beside Socket Mode. However it ends
    (SIGTERM, or a port already taken), Socket Mode stops with it."""
    from app.slack.http_server import serve_http
    from app.web.site import web_asgi

    log.info("serving /alerts/…, GET /metrics and /healthz on %s:%s", host, port)
    _say_which_routes_answer(runtime)
    _say_status_page(runtime)
    try:
        await serve_http(web_asgi(runtime.healthy, runtime.web_routes()), host, port, stop)
    finally:
        stop.set()


def _say_where_email_goes(runtime: Runtime) -> None:
    """Which audiences are emailed, and through which server (never its password)."""
    emailed = runtime.config.emailed_audiences()
    smtp = smtp_settings(runtime.settings)
    if emailed and smtp is not None:
        log.info("emailing audiences %s through %s", ", ".join(emailed), smtp.described)


def _say_which_routes_answer(runtime: Runtime) -> None:
    if not runtime.settings.warroom_alerts_token:
        log.info("alert webhooks off (they answer 404): WARROOM_ALERTS_TOKEN is unset")
    if not runtime.settings.warroom_metrics_token:
        log.info("GET /metrics is open: WARROOM_METRICS_TOKEN is unset")


def _say_status_page(runtime: Runtime) -> None:
    if runtime.config.status_page is None:
        log.info("status page off (404): status_page is null in the configuration")
    else:
        log.info("public status page: GET /status, /status.json, /status.atom")
