"""Waiting for Slack: one log line per failed attempt, growing gaps, and a stop that is obeyed
at once, even in the middle of an attempt that hangs."""

from __future__ import annotations

import asyncio
import logging
import time
from itertools import pairwise

import aiohttp
import pytest

from app.slack import backoff
from app.slack.token_check import token_refused


def test_gaps_grow_with_each_failure_up_to_a_ceiling() -> None:
    gaps = [backoff.gap(n) for n in range(1, 12)]
    assert gaps[0] >= backoff.FIRST_GAP
    assert all(later > earlier for earlier, later in pairwise(gaps[:7]))
    assert max(gaps) <= backoff.LONGEST_GAP * 1.25


async def test_a_hanging_attempt_is_abandoned_when_asked_to_stop() -> None:
    stop = asyncio.Event()

    async def hangs() -> str:
        await asyncio.sleep(3600)
        return "never"

    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = time.monotonic()
    assert await backoff.keep_trying(hangs, what="test", stop=stop) is None
    assert time.monotonic() - started < 1


async def test_failures_are_retried_one_line_each_until_slack_answers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(backoff, "FIRST_GAP", 0.01)
    calls = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise aiohttp.ClientConnectionError("connection refused")
        return "ok"

    with caplog.at_level(logging.INFO):
        assert await backoff.keep_trying(flaky, what="auth.test", stop=asyncio.Event()) == "ok"
    lines = [r.getMessage() for r in caplog.records]
    assert [("attempt 1 failed" in m, "attempt 2 failed" in m) for m in lines[:2]] == [
        (True, False),
        (False, True),
    ]
    assert "after 2 failed attempts" in lines[2] and not any(r.exc_info for r in caplog.records)


async def test_a_refused_token_is_not_retried() -> None:
    calls = []

    async def refused() -> None:
        calls.append(1)
        raise token_refused("SLACK_BOT_TOKEN", "invalid_auth")

    with pytest.raises(Exception, match="Slack refused SLACK_BOT_TOKEN") as raised:
        await backoff.keep_trying(refused, what="auth.test", stop=asyncio.Event())
    assert type(raised.value).__name__ == "TokenRefused" and calls == [1]
