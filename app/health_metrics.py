"""Warroom's own health in Prometheus's terms, for GET /metrics.

Each runtime has a registry of its own (not prometheus_client's global one): every replica
exports what happened in its process (deliveries, acks, ticks, alerts), and several runtimes
in one test process never share counts. What describes the shared database (outbox rows,
active incidents) is read from it at each scrape, so every replica reports the same numbers
there: aggregate those with max(), not sum().
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from app.domain.alerts import SOURCES
from app.services.context import Op, ServiceContext
from app.services.delivery import FAILED, OK, RATE_LIMITED, RETRIED
from app.services.health_numbers import OUTBOX_STATES, SharedNumbers, shared_numbers

log = logging.getLogger(__name__)
DELIVERY_RESULTS = (OK, RETRIED, RATE_LIMITED, FAILED)
# What an alert led to (app/services/alert_intake.py), or `rejected` at the webhook.
ALERT_OUTCOMES = (
    "declared",
    "proposed",
    "noted",
    "ignored",
    "attached",
    "repeated",
    "unchanged",
    "failed",
    "rejected",
)
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)  # Slack allows 3 s
LATENESS_BUCKETS = (0.0, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
TICK_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HealthMetrics:
    """The process's counters and histograms, and the shared database's gauges; it is the
    `Health` the use cases report to (app/services/health.py)."""

    def __init__(self, ctx: ServiceContext) -> None:
        # `_created` series beside every counter double the output and tell nobody anything.
        prometheus_client.disable_created_metrics()
        self.registry = CollectorRegistry()
        self._deliveries = Counter(
            "warroom_outbox_deliveries",
            "Attempts to carry out an outbox row, by kind of row and result.",
            ["kind", "result"],
            registry=self.registry,
        )
        self._acks = Histogram(
            "warroom_ack_latency_seconds",
            "From a Slack request received to its ack sent, by transport.",
            ["transport"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self._lateness = Histogram(
            "warroom_update_lateness_seconds",
            "How long after its due time an update reached its audience (0: on time).",
            ["audience", "automatic"],
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self._ticks = Histogram(
            "warroom_scheduler_tick_duration_seconds",
            "One scheduler tick: due work acted on and deliveries claimed.",
            buckets=TICK_BUCKETS,
            registry=self.registry,
        )
        self._alerts = Counter(
            "warroom_alerts_received",
            "Alerts from monitoring, by source and what each led to.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.registry.register(SharedDatabase(ctx))
        self._start_at_zero()

    def _start_at_zero(self) -> None:
        """Every known series from the start, so rate() and alerts on them work at once.
        Kinds of row come from Op: a kind added later (email) is listed with the others."""
        for kind in Op:
            for result in DELIVERY_RESULTS:
                self._deliveries.labels(kind.value, result)
        for source in SOURCES:
            for outcome in ALERT_OUTCOMES:
                self._alerts.labels(source, outcome)

    # --- Health (the use cases') ------------------------------------------------------------

    def delivered(self, kind: str, result: str) -> None:
        self._deliveries.labels(kind, result).inc()

    def update_late(self, audience: str, automatic: bool, late: timedelta) -> None:
        self._lateness.labels(audience, str(automatic).lower()).observe(late.total_seconds())

    def alerts(self, source: str, outcome: str, count: int = 1) -> None:
        self._alerts.labels(source, outcome).inc(count)

    # --- the edges' and the scheduler's -----------------------------------------------------

    def ack(self, transport: str, seconds: float) -> None:
        self._acks.labels(transport).observe(seconds)

    def tick(self, seconds: float) -> None:
        self._ticks.observe(seconds)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """Everything, in the format the scraper asked for (blocks: reads the database)."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type


class SharedDatabase(Collector):
    """Gauges read from the shared database at each scrape. When it cannot be read (down,
    or slower than READ_TIMEOUT), `warroom_database_up` is 0 and the scrape still answers with
    the process's own metrics."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterable[Metric]:
        try:
            numbers = shared_numbers(self.ctx)
        except Exception as exc:
            log.warning("/metrics could not read the database: %s", type(exc).__name__)
            yield _database_up(False)
            return
        yield _database_up(True)
        yield self._outbox(numbers)
        yield self._incidents(numbers)

    def _outbox(self, numbers: SharedNumbers) -> Metric:
        rows = GaugeMetricFamily(
            "warroom_outbox_rows",
            "Outbox rows waiting (pending), being delivered (leased) or given up (dead).",
            labels=["kind", "state"],
        )
        kinds = sorted({kind.value for kind in Op} | {kind for kind, _ in numbers.outbox})
        for kind in kinds:
            for state in OUTBOX_STATES:
                rows.add_metric([kind, state], numbers.outbox[(kind, state)])
        return rows

    def _incidents(self, numbers: SharedNumbers) -> Metric:
        active = GaugeMetricFamily(
            "warroom_incidents_active",
            "Incidents not yet resolved, by severity (drills left out).",
            labels=["severity"],
        )
        known = [s.key for s in self.ctx.severities]
        for severity in known + sorted(set(numbers.active) - set(known)):
            active.add_metric([severity], numbers.active[severity])
        return active


def _database_up(up: bool) -> Metric:
    return GaugeMetricFamily(
        "warroom_database_up",
        "1 when this scrape could read the shared database, else 0.",
        value=1 if up else 0,
    )
