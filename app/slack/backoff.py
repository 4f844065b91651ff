"""Trying Slack again while it does not answer: one log line per failed attempt, growing gaps,
and stoppable at any moment (a SIGTERM must not wait for a connect timeout or a long gap)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.slack.api_errors import describe, retry_after, slack_did_not_answer

log = logging.getLogger("warroom")
T = TypeVar("T")
FIRST_GAP = 0.5  # seconds before the second attempt; doubled after each failure
LONGEST_GAP = 30.0


def gap(failures: int) -> float:
    """0.5 s, 1 s, 2 s … up to 30 s, plus up to 25% jitter so replicas do not retry in step
    (the jitter never outgrows the doubling, so each gap is longer than the one before)."""
    base = min(FIRST_GAP * 2 ** max(failures - 1, 0), LONGEST_GAP)
    return base * random.uniform(1.0, 1.25)


async def keep_trying(
    attempt: Callable[[], Awaitable[T]], *, what: str, stop: asyncio.Event
) -> T | None:
    """`attempt()` until it succeeds (its result) or `stop` is set (None). Failures where
    Slack did not answer are retried; any other error (a refused token) is raised."""
    failures = 0
    while not stop.is_set():
        try:
            finished, result = await _unless_stopped(attempt(), stop)
        except Exception as exc:
            if not slack_did_not_answer(exc):
                raise
            failures += 1
            wait = max(gap(failures), retry_after(exc) or 0.0)
            log.warning(
                "%s: Slack did not answer (%s); attempt %d failed, trying again in %.1f s",
                what,
                describe(exc),
                failures,
                wait,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            continue
        if not finished:
            break
        if failures:
            log.info("%s: Slack answered after %d failed attempts", what, failures)
        return result
    return None


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """(True, result) when `work` finishes first; (False, None) when `stop` is set first, in
    which case `work` is cancelled."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
    if task.done() and not task.cancelled():
        return True, task.result()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return False, None
