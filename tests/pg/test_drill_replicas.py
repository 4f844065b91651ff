"""Two replicas on one PostgreSQL database: a drill's injects are each played once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.domain.drills import MARK
from app.persistence.tables import DrillInject, Incident
from tests.pg.replicas import Replica, settle_all


async def test_two_replicas_play_each_inject_of_a_drill_once(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("drill chatbot-harmful-rollback")
    await settle_all(a, b)
    [incident] = a.rows(Incident)
    scenario = a.app.ctx.drills["chatbot-harmful-rollback"]
    for _ in range(int(scenario.injects[-1].at.total_seconds() // 60) + 1):
        a.clock.advance(timedelta(minutes=1))  # the replicas share one clock
        a.app.scheduler.wake()
        b.app.scheduler.wake()
        await asyncio.sleep(0.05)
        await settle_all(a, b)
    assert all(i.done_at for i in a.rows(DrillInject))
    texts = [m.text for m in a.fake.messages(str(incident.channel_id))]
    for inject in scenario.injects:
        if inject.say:
            said = [t for t in texts if t.startswith(f"{MARK} {inject.who}: ")]
            assert len(said) == sum(1 for i in scenario.injects if i.who == inject.who)
