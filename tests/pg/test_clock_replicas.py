"""Two replicas on one PostgreSQL database: each regulatory clock reminder goes out once."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from app.persistence.tables import OutboxMessage, RegulatoryClock
from app.services import clock_reminders
from tests.pg.replicas import Replica, settle_all


async def test_two_replicas_send_each_reminder_of_a_clock_once(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    dana = a.people.dana
    await a.command("declare sev2 Chatbot leaked customer addresses")
    await settle_all(a, b)
    channel = str(a.incident_channel(1).id)
    await b.command(f"assign compliance <@{dana}>", channel=channel)
    await a.command("flag ai-act-critical", channel=channel)
    await settle_all(a, b)
    [clock] = a.rows(RegulatoryClock)
    for hours, words in [(24, "50%"), (36, "75%"), (43.2, "90%"), (48, "deadline is up")]:
        a.clock.set(clock.started_at + timedelta(hours=hours))  # the replicas share one clock
        a.app.scheduler.wake()
        b.app.scheduler.wake()
        await asyncio.sleep(0.05)
        await settle_all(a, b)
        dm = a.fake.im_with(dana)
        assert dm is not None
        said = [t for t in a.texts(dm.id) if "of the time is gone" in t or "deadline is up" in t]
        assert words in said[-1]
        nudges = [t for t in a.texts(channel) if "*AI Act Art. 73 (widespread or critical)*:" in t]
        assert len(said) == len(nudges) == [24, 36, 43.2, 48].index(hours) + 1


async def test_reminders_racing_on_two_connections_are_written_once(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    await a.command("declare sev2 Chatbot leaked customer addresses")
    await settle_all(a, b)
    channel = str(a.incident_channel(1).id)
    await a.command("flag personal-data", channel=channel)
    await settle_all(a, b)
    await a.app.scheduler.stop()  # the use case itself, on two connections at once
    await b.app.scheduler.stop()
    [clock] = a.rows(RegulatoryClock)
    a.clock.set(clock.started_at + timedelta(hours=36))
    before = len(a.rows(OutboxMessage))
    start = threading.Barrier(2)

    def remind(replica: Replica) -> int:
        start.wait()
        return clock_reminders.run_due(replica.app.ctx)

    done = await asyncio.gather(*(asyncio.to_thread(remind, r) for r in (a, b)))
    assert sorted(done) == [0, 1]
    written = [r for r in a.rows(OutboxMessage)[before:] if r.op == "post"]
    assert len(written) == 2  # one DM to the commander (nobody holds compliance), one nudge
