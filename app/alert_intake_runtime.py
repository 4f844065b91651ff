"""The alert webhooks' hand-over to the intake: taken in a worker thread (the intake's
transactions block), answered as soon as every alert is recorded; the blast radius of what was
declared (owners asked, the registry read) follows after the answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.domain.alerts import Alert, AlertsNotTaken
from app.services import alert_intake
from app.slack.deps import SlackDeps

log = logging.getLogger(__name__)
Receive = Callable[[list[Alert]], Awaitable[None]]


def alert_receiver(deps: SlackDeps) -> Receive:
    follow_ups: set[asyncio.Task[None]] = set()  # held so they are not collected mid-flight

    async def receive(alerts: list[Alert]) -> None:
        with deps.activity.track():
            intake = await asyncio.to_thread(alert_intake.receive, deps.ctx, alerts)
        log.info("alerts taken: %s", intake.counts())
        if intake.declared:
            task = asyncio.create_task(_follow_up(deps, intake))
            follow_ups.add(task)
            task.add_done_callback(follow_ups.discard)
        if intake.failed:  # the tool retries the batch; what was taken then changes nothing
            raise AlertsNotTaken(f"{intake.failed} of {len(alerts)} not taken")

    return receive


async def _follow_up(deps: SlackDeps, intake: alert_intake.Intake) -> None:
    with deps.activity.track():
        await deps.run(alert_intake.follow_up, intake)
