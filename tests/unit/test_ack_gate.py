"""Acks first: follow-ups wait while other requests wait for their ack, but never forever."""

import asyncio
import time

from app.slack.ack_gate import AckGate


async def test_a_follow_up_waits_for_other_requests_acks() -> None:
    gate = AckGate(max_wait=5)
    mine, other = gate.arrived(), gate.arrived()
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    follow_up = asyncio.create_task(gate.follow_up(work, mine))
    await asyncio.sleep(0.05)
    assert not ran.is_set()  # the other request has not acked yet
    await gate.acked(other)
    await asyncio.wait_for(follow_up, 1)
    assert ran.is_set()  # its own pending ack does not hold it back


async def test_under_steady_pressure_follow_ups_still_run_one_at_a_time() -> None:
    gate = AckGate(max_wait=0.05)
    gate.arrived()  # an ack that never completes: constant pressure
    running, most = 0, 0

    async def work() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.wait_for(asyncio.gather(*(gate.follow_up(work) for _ in range(5))), 2)
    assert most == 1


async def test_quiet_reports_whether_the_gate_opened() -> None:
    gate = AckGate(max_wait=0.02)
    assert await gate.quiet() is True
    token = gate.arrived()
    assert await gate.quiet() is False
    assert await gate.quiet(token) is True


async def test_each_ack_is_timed_from_when_its_request_was_received() -> None:
    timed: list[float] = []
    gate = AckGate(on_ack=timed.append)
    received = time.perf_counter() - 0.5  # its body took half a second to arrive
    token = gate.arrived(received)
    await gate.acked(token)
    assert len(timed) == 1 and 0.5 <= timed[0] < 1.5
