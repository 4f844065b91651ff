"""The loop every `serve` process runs: claim due work from the database and carry it out.

It sleeps until the next due item (or until woken because a use case just wrote work), and at
most POLL seconds, so work written by another replica is picked up within about a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from app import log_context
from app.services import (
    action_items,
    cadence,
    clock_reminders,
    decisions,
    delivery,
    digest,
    drill_reminder,
    drills,
    postmortem_followup,
    retention,
)
from app.services.context import ServiceContext
from app.services.delivery import (
    RATE_LIMITED,
    RETRIED,
    CannotRender,
    GiveUp,
    LeaseLost,
    RetryLater,
    Work,
    describe_error,
)

log = logging.getLogger(__name__)
# Modules with run_due(ctx) (act on what fell due, once across replicas) and next_wake(ctx).
DUE_WORK = (
    cadence,
    decisions,
    digest,
    retention,
    action_items,
    drills,
    drill_reminder,
    postmortem_followup,
    clock_reminders,
)
POLL = 1.0
UNDER_PRESSURE = 2  # deliveries started per tick while requests wait for their ack
STOP_GRACE = 5.0  # seconds given to a stopping scheduler and its deliveries, in all
INTERRUPTED = "interrupted: the process stopped before Slack answered"
MAX_REST = 60.0  # longest pause of a kind of due work that keeps failing


class Gateway(Protocol):
    async def deliver(self, work: Work) -> dict[str, Any]: ...


class Routes:
    """Each outbox row to what carries it out: Slack by default, another system by op (the
    model registry moves an alias for a decided rollback)."""

    def __init__(self, default: Gateway, by_op: dict[str, Gateway]) -> None:
        self.default, self.by_op = default, by_op

    async def deliver(self, work: Work) -> dict[str, Any]:
        return await self.by_op.get(work.op, self.default).deliver(work)


class Scheduler:
    def __init__(
        self,
        ctx: ServiceContext,
        gateway: Gateway,
        *,
        owner: str,
        concurrency: int = 16,
        yield_to: Callable[[], Awaitable[bool]] | None = None,
        on_tick: Callable[[float], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.owner = owner
        self.concurrency = concurrency
        self._yield_to = yield_to  # lets acks waiting on this event loop go first
        self._on_tick = on_tick  # how long each tick took (seconds), for /metrics
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._given_back: set[asyncio.Task[None]] = set()  # cancelled by stop(): release rows
        self._task: asyncio.Task[None] | None = None
        self._waiting = False
        self._stopping = False
        self._failures: dict[str, int] = {}  # consecutive failures of each kind of due work
        self._resting: dict[str, float] = {}  # monotonic time until which it is skipped

    # --- control ----------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="warroom-scheduler")

    async def stop(self) -> None:
        """Finish the current tick, wait (briefly) for deliveries in flight, then cancel those
        still waiting for Slack: each gives its row back for any replica to take at once.

        A flag rather than task.cancel(): Python 3.11's asyncio.wait_for can swallow a
        cancellation that arrives just as its inner wait completes, leaving the loop running.
        """
        self._stopping = True
        self._wakeup.set()
        deadline = asyncio.get_running_loop().time() + STOP_GRACE
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE)
            except TimeoutError:
                self._task.cancel()
        if self._in_flight:
            left = max(deadline - asyncio.get_running_loop().time(), 0.0)
            _, hanging = await asyncio.wait(self._in_flight, timeout=left)
            for task in hanging:  # each releases its lease as it is cancelled (_deliver)
                self._given_back.add(task)
                task.cancel()
            if hanging:
                await asyncio.wait(hanging, timeout=STOP_GRACE)

    def wake(self) -> None:
        """Safe from any thread: use cases call it after committing new work."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wakeup.set()
        else:
            loop.call_soon_threadsafe(self._wakeup.set)

    def next_due(self) -> datetime | None:
        """The earliest of: an outbox retry, a lapsing lease, an update, a decision reminder,
        the digest, a retention batch or an action item's reminder falling due."""
        times = [delivery.next_due(self.ctx), *(s.next_wake(self.ctx) for s in DUE_WORK)]
        due = [t for t in times if t is not None]
        return min(due) if due else None

    @property
    def idle(self) -> bool:
        """Nothing in flight and the loop asleep with nothing it could claim (for tests)."""
        return self._waiting and not self._in_flight and not self._wakeup.is_set()

    # --- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                if not await self._tick():
                    await self._sleep()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database outage must not stop the loop; try again shortly
                log.exception("scheduler tick failed; retrying")
                await asyncio.sleep(POLL)

    async def _tick(self) -> bool:
        """Act on due work and start deliveries; True when more may be ready right now. Its
        duration (for /metrics) leaves out the wait for acks: that is yielding, not work."""
        self._wakeup.clear()
        slots = self.concurrency - len(self._in_flight)
        claimed: list[Work] = []
        if slots > 0 and self._yield_to is not None and not await self._yield_to():
            slots = min(slots, UNDER_PRESSURE)  # acks are queued: deliver a trickle
        started = time.perf_counter()
        # Due work first, all kinds in one trip to a thread: an update falling due may make an
        # older one, still waiting to be retried, stale before it is claimed.
        await asyncio.to_thread(self._run_due_work)
        if slots > 0:
            claimed = await asyncio.to_thread(delivery.claim_ready, self.ctx, self.owner, slots)
            for work in claimed:
                self._spawn(self._deliver(work))
        if self._on_tick is not None:
            self._on_tick(time.perf_counter() - started)
        return slots > 0 and len(claimed) == slots

    def _run_due_work(self) -> None:
        """Each kind of due work (in a worker thread); a failure of one (a database error, a
        bug) must not stop the others or the deliveries: it is skipped for a while, logged
        once per episode."""
        for source in DUE_WORK:
            self._run_due(source)

    def _run_due(self, source: Any) -> None:
        name = source.__name__.rsplit(".", 1)[-1]
        if self._resting.get(name, 0.0) > time.monotonic():
            return
        try:
            with log_context.scope():  # lets each kind note the incident it works on
                source.run_due(self.ctx)
        except Exception as exc:
            failures = self._failures.get(name, 0) + 1
            self._failures[name] = failures
            self._resting[name] = time.monotonic() + min(POLL * 2**failures, MAX_REST)
            if failures == 1:
                log.exception("%s work failed; the rest goes on", name)
            else:
                log.warning("%s work still failing (%s times): %s", name, failures, exc)
        else:
            if self._failures.pop(name, 0):
                log.info("%s work runs again", name)

    async def _sleep(self) -> None:
        timeout = POLL
        due = await asyncio.to_thread(self.next_due)
        if due is not None:
            timeout = min(POLL, max((due - self.ctx.clock.now()).total_seconds(), 0.0))
        self._waiting = True
        try:
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
        except TimeoutError:
            pass
        finally:
            self._waiting = False

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._in_flight.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._in_flight.discard(t)
            self._given_back.discard(t)
            self._wakeup.set()

        task.add_done_callback(done)

    async def _deliver(self, work: Work) -> None:
        with log_context.scope(outbox_id=work.id, incident=work.incident_id):
            outcome = await self._attempt(work)
        if outcome is not None:  # None: the row was another owner's to record
            self.ctx.health.delivered(work.op, outcome)

    async def _attempt(self, work: Work) -> str | None:
        """Carry the row out and record how it went; returns what /metrics counts."""
        try:
            result = await self.gateway.deliver(work)
        except asyncio.CancelledError:
            if asyncio.current_task() in self._given_back:
                # Stopping: give the row back now rather than hold it for the rest of its LEASE.
                # Whether Slack acted is unknown (landed=None): the next attempt checks first.
                outcome = await self._record(lambda: self._give_back(work))
                if outcome is not None:
                    self.ctx.health.delivered(work.op, outcome)
            raise
        except Exception as exc:
            outcome = await self._record(self._failure(work, exc))
            limited = isinstance(exc, RetryLater) and exc.rate_limited
            return RATE_LIMITED if limited and outcome == RETRIED else outcome
        return await self._record(lambda: delivery.mark_sent(self.ctx, work, result))

    def _give_back(self, work: Work) -> str | None:
        return delivery.mark_retry(self.ctx, work, timedelta(0), INTERRUPTED, landed=None)

    def _failure(self, work: Work, exc: Exception) -> Callable[[], str | None]:
        if isinstance(exc, LeaseLost):
            log.warning("outbox #%s (%s): %s; leaving it to its new owner", work.id, work.op, exc)
            return lambda: None
        if isinstance(exc, GiveUp):
            log.warning("outbox #%s (%s) failed for good: %s", work.id, work.op, exc)
            unrenderable = isinstance(exc, CannotRender)
            return lambda: delivery.mark_dead(self.ctx, work, str(exc), unrenderable=unrenderable)
        if isinstance(exc, RetryLater):
            delay, landed = exc.delay, exc.landed
            log.info("outbox #%s (%s) will retry in %s: %s", work.id, work.op, delay, exc)
            return lambda: delivery.mark_retry(self.ctx, work, delay, str(exc), landed=landed)
        log.exception("outbox #%s (%s) hit an unexpected error", work.id, work.op, exc_info=exc)
        delay = delivery.retry_delay(work.attempts)
        error = describe_error(exc)
        return lambda: delivery.mark_retry(self.ctx, work, delay, error, landed=None)

    async def _record(self, action: Callable[[], str | None]) -> str | None:
        """How the attempt is recorded (ok, retried, failed); None when it could not be."""
        try:
            return await asyncio.to_thread(action)
        except Exception:  # the lease lapses and the row is tried again (verified first)
            log.exception("could not record a delivery outcome; it will be retried")
            return None
