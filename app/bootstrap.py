"""Composition in one place: settings → engine → services → Bolt app. No work at import time."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from app.alert_intake_runtime import alert_receiver
from app.alias_mover import AliasMover
from app.clock import Clock, SystemClock
from app.config import ConfigError, Settings, WarroomConfig, load_config
from app.domain.alerts import Alert
from app.domain.drills import Scenario
from app.domain.playbooks import Playbook
from app.drill_files import Known, load_drills
from app.email_sender import EmailSender
from app.glossary_file import load_glossary
from app.health_metrics import HealthMetrics
from app.integrations.mail import Mailer, SmtpMailer, SmtpSettings, SmtpUrlProblem
from app.integrations.mlflow_registry import MlflowRegistry
from app.integrations.registry import ModelRegistry, RegistryError
from app.persistence.engine import Database, make_engine
from app.playbook_files import catalog_playbook_problems, load_playbooks
from app.rendering.samples import check_templates
from app.scheduler import Routes, Scheduler
from app.services import delivery
from app.services.context import Op, ServiceContext
from app.slack.ack_gate import AckGate
from app.slack.bolt_app import (
    build_bolt_app,
    delivery_client,
    directory_client,
    interactive_client,
)
from app.slack.deps import SlackDeps
from app.slack.gateway import SlackGateway
from app.slack.messages import MessageBook
from app.slack.parsing import CommandParser
from app.slack.people import SlackNames
from app.slack.replays import LocalSightings, ReplayMemory, SharedSightings
from app.slack.request_guard import RequestGuard
from app.slack.responder import Responder
from app.slack.signatures import WINDOW
from app.slack.usergroups import SlackUserGroups

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from app.web.alert_routes import AlertEdge
    from app.web.status_routes import StatusPageCache


@dataclass
class Runtime:
    settings: Settings
    config: WarroomConfig
    db: Database
    ctx: ServiceContext
    deps: SlackDeps
    client: AsyncWebClient
    bolt_app: AsyncApp
    scheduler: Scheduler
    gateway: SlackGateway
    health: HealthMetrics  # what GET /metrics shows
    # Where the alert webhooks hand their alerts (app/web/alert_routes.py): the intake, which
    # may raise AlertsNotTaken. None: the routes answer 503 "alert intake not running".
    receive_alerts: Callable[[list[Alert]], Awaitable[None]] | None = None
    # The public status page's rendered forms; None: `status_page: null`, its routes are off.
    status_cache: StatusPageCache | None = None

    async def start(self) -> None:
        # One HTTP session for every Slack call: connections are reused, not opened per call.
        session = await self.deps.responder.open()
        self.client.session = session
        self.gateway.client.session = session
        self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.deps.responder.close()

    def http_guard(self) -> RequestGuard:
        """The checks at the HTTP edge; Socket Mode requests are not signed and skip them."""
        window = timedelta(seconds=WINDOW)
        sightings: ReplayMemory = (
            LocalSightings(self.ctx, window, self.deps.activity.track, self.deps.gate.quiet)
            if self.db.engine.dialect.name == "sqlite"  # one process (replicas need PostgreSQL)
            else SharedSightings(self.ctx, window)
        )
        return RequestGuard(self.settings.slack_signing_secret, sightings)

    def alert_edge(self) -> AlertEdge:
        from app.web.alert_routes import AlertEdge

        return AlertEdge(
            self.settings.warroom_alerts_token,
            lambda: self.receive_alerts,  # read per request: wiring may come after this
            system_label(self.config),
            routing_key=self.config.alerts.events_routing_key,
            health=self.health,
        )

    def web_routes(self, edge: AlertEdge | None = None) -> list[BaseRoute]:
        """The routes that are not Slack's (/healthz aside): the alert webhooks, /metrics and
        the status page."""
        from app.web.alert_routes import alert_routes
        from app.web.metrics_route import metrics_route

        metrics = metrics_route(self.health.exposition, self.settings.warroom_metrics_token)
        return [*alert_routes(edge or self.alert_edge()), metrics, *self.status_routes()]

    def status_routes(self) -> list[BaseRoute]:
        from app.web.status_routes import status_routes

        page = self.config.status_page
        if self.status_cache is None or page is None:
            return []
        return status_routes(self.status_cache, page)

    def socket_mode_ack(self, seconds: float) -> None:
        self.health.ack("socket_mode", seconds)

    async def healthy(self) -> bool:
        try:
            await asyncio.to_thread(self.db.ping)
        except Exception:
            return False
        return True


def build_runtime(
    settings: Settings,
    *,
    config: WarroomConfig | None = None,
    clock: Clock | None = None,
    registry: ModelRegistry | None = None,
) -> Runtime:
    """Raises ConfigError (naming the key, file or line) when anything cannot be used.
    `registry`: a stand-in for tests; otherwise one is built from WARROOM_MLFLOW_URI."""
    config = config if config is not None else load_config(settings.config_path())
    if not settings.templates_dir.is_dir():
        raise ConfigError(f"WARROOM_TEMPLATES_DIR: {settings.templates_dir} is not a folder")
    engine = make_engine(settings.warroom_database_url)
    clock = clock or SystemClock()
    ctx = ServiceContext(Database(engine), config, clock, settings.templates_dir)
    ctx.groups = SlackUserGroups(directory_client(settings), clock)
    ctx.registry = registry if registry is not None else model_registry(settings)
    ctx.playbooks = _playbooks(settings, ctx)
    ctx.glossary = load_glossary(settings.playbooks_dir)
    ctx.drills = _drills(settings, ctx)
    _check_templates(ctx)
    health = ctx.health = HealthMetrics(ctx)
    book = MessageBook(ctx.templates, ctx.severities, ctx.roles, ctx.catalog)
    responder = Responder(settings.response_url_hosts)
    gate = AckGate(on_ack=lambda seconds: health.ack("http", seconds))
    parser = CommandParser(ctx.severities, ctx.roles)
    deps = SlackDeps(ctx, parser, book, responder, gate)
    gateway = SlackGateway(
        delivery_client(settings),
        book,
        deps.responder,
        record_step=lambda work, step, result: asyncio.to_thread(
            delivery.record_step, ctx, work, step, result
        ),
    )
    client = interactive_client(settings)
    emailer = EmailSender(
        mailer(settings, config),
        clock,
        record_step=lambda work, step, result: asyncio.to_thread(
            delivery.record_step, ctx, work, step, result
        ),
        names=SlackNames(client),
    )
    routes = Routes(gateway, {Op.MOVE_ALIAS: AliasMover(ctx.registry), Op.EMAIL: emailer})
    scheduler = Scheduler(
        ctx, routes, owner=_owner(), yield_to=deps.gate.quiet, on_tick=health.tick
    )
    ctx.wake = scheduler.wake
    bolt_app = build_bolt_app(settings, deps, client)
    runtime = Runtime(
        settings, config, ctx.db, ctx, deps, client, bolt_app, scheduler, gateway, health
    )
    runtime.receive_alerts = alert_receiver(deps)
    runtime.status_cache = _status_cache(ctx)
    return runtime


def _status_cache(ctx: ServiceContext) -> StatusPageCache | None:
    """The status page's cache, told by every commit that published to customers."""
    from app.web.status_routes import page_cache

    if ctx.config.status_page is None:
        return None
    cache = page_cache(ctx, ctx.config.status_page)
    ctx.status_changed = cache.invalidate
    return cache


def system_label(config: WarroomConfig) -> str:
    """The label (or events custom_details key) naming a catalog system."""
    return config.alerts.system_label


def model_registry(settings: Settings) -> ModelRegistry | None:
    """The MLflow model registry at WARROOM_MLFLOW_URI; None (registry features off) unset."""
    if not settings.warroom_mlflow_uri:
        return None
    try:
        return MlflowRegistry.from_environment(settings.warroom_mlflow_uri)
    except RegistryError as exc:  # a URI that is not an http(s) address
        raise ConfigError(f"WARROOM_MLFLOW_URI: {exc}") from None


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """WARROOM_SMTP_URL, read; None when unset. The problem named, never the URL (a password)."""
    if not settings.warroom_smtp_url.strip():
        return None
    try:
        return SmtpSettings.from_url(settings.warroom_smtp_url)
    except SmtpUrlProblem as exc:
        raise ConfigError(f"WARROOM_SMTP_URL: {exc}") from None


def mailer(settings: Settings, config: WarroomConfig) -> Mailer | None:
    """The mail server for emailed audiences. An audience with `email` and no server stops
    start-up: nobody should believe updates are emailed when they cannot be."""
    smtp = smtp_settings(settings)
    emailed = config.emailed_audiences()
    if smtp is None and emailed:
        raise ConfigError(
            f"audiences.{emailed[0]}.email: set WARROOM_SMTP_URL "
            "(smtp://user:pass@host:587?starttls=true or smtps://…) for the mail server, "
            "or remove the audience's email"
        )
    return SmtpMailer(smtp) if smtp is not None else None


def _playbooks(settings: Settings, ctx: ServiceContext) -> dict[str, Playbook]:
    """An invalid playbook, or a catalog system or alert rule naming one that does not exist,
    stops start-up naming the file and key."""
    roles = [r.key for r in ctx.roles]
    playbooks = load_playbooks(settings.playbooks_dir, roles)
    problems = catalog_playbook_problems(ctx.catalog, playbooks)
    problems += ctx.config.alerts.playbook_problems(playbooks)
    if problems:
        raise ConfigError("the configuration names missing playbooks:\n  " + "\n  ".join(problems))
    return playbooks


def _drills(settings: Settings, ctx: ServiceContext) -> dict[str, Scenario]:
    """An invalid drill scenario stops start-up naming the file and key, like a playbook."""
    return load_drills(settings.drills_dir, known_to_drills(ctx))


def known_to_drills(ctx: ServiceContext) -> Known:
    return Known([s.key for s in ctx.severities], list(ctx.playbooks), list(ctx.catalog.systems))


def _check_templates(ctx: ServiceContext) -> None:
    """A template that cannot render stops start-up, naming the file and line."""
    problems = check_templates(ctx.templates, ctx.severities, ctx.roles, ctx.audiences)
    if problems:
        raise ConfigError("message templates cannot be used:\n  " + "\n  ".join(problems))


def _owner() -> str:
    """Names this process in outbox leases, for operators reading the table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
