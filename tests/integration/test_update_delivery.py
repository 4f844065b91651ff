"""Many updates due at once into one audience channel, with Slack rate-limiting it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app.persistence.tables import OutboxMessage
from tests.harness import Warroom


async def test_a_429_storm_on_a_shared_audience_channel_loses_nothing(warroom: Warroom) -> None:
    for n in range(6):
        await warroom.command(f"declare sev2 Drift on feature {n}")
    await warroom.settle()
    warroom.fake.fail_next("chat.postMessage", times=8, status=429, retry_after=2)
    await warroom.tick(30)  # six business updates fall due together in #biz-updates
    business = warroom.texts(warroom.audience_channels["biz-updates"])
    refs = sorted(int(t.split("*INC-", 1)[1].split(":", 1)[0]) for t in business)
    assert refs == [1, 2, 3, 4, 5, 6]
    rows = warroom.rows(OutboxMessage)
    assert {r.status for r in rows} == {"sent"}
    posted: Counter[int] = Counter()
    for channel in warroom.fake.channels():
        for message in warroom.fake.messages(channel.id):
            outbox_id = ((message.metadata or {}).get("event_payload") or {}).get("outbox_id")
            if outbox_id:
                posted[outbox_id] += 1
    assert max(posted.values()) == 1
    assert any(r.attempts > 1 for r in rows)  # the 429s really were retried


async def test_an_update_whose_answer_was_lost_is_not_posted_again(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    warroom.fake.fail_next("chat.postMessage", times=2, status=500, after_effect=True)
    await warroom.tick(30)
    assert len(warroom.texts(warroom.audience_channels["biz-updates"])) == 1
    channel = warroom.incident_channel(1).id
    assert len([t for t in warroom.texts(channel) if ":mega: *INC-1 update*" in t]) == 1
    assert {r.status for r in warroom.rows(OutboxMessage)} == {"sent"}


async def _next_round(warroom: Warroom) -> None:
    """Half an hour passes; what falls due is written and tried once, no retry fast-forwarded."""
    warroom.clock.advance(timedelta(minutes=30))
    warroom.app.scheduler.wake()
    await warroom.settle(advance_clock=False)


def _to_business(warroom: Warroom) -> Callable[[dict[str, Any]], bool]:
    channel = warroom.audience_channels["biz-updates"]
    return lambda args: args.get("channel") in {channel, "#biz-updates"}


async def test_a_stale_automatic_update_still_waiting_is_dropped_for_the_next(
    warroom: Warroom,
) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    warroom.fake.fail_next("chat.postMessage", status=503, where=_to_business(warroom))
    await _next_round(warroom)  # round 1 to the business channel fails and waits to retry
    await _next_round(warroom)  # round 2 falls due while round 1 still waits
    await warroom.settle()
    business = warroom.texts(warroom.audience_channels["biz-updates"])
    assert len(business) == 1, business  # only the fresh one: readers never get two at once
    to_business = [r for r in warroom.rows(OutboxMessage) if r.channel == "#biz-updates"]
    assert [r.status for r in to_business] == ["superseded", "sent"]


async def test_a_persons_update_is_never_dropped(warroom: Warroom) -> None:
    await warroom.command("declare sev2 Drift on transaction_amount")
    await warroom.settle()
    channel = warroom.incident_channel(1).id
    warroom.fake.fail_next("chat.postMessage", status=503, where=_to_business(warroom))
    await warroom.publish_update(
        channel, audiences=["technical", "business"], what_changed="Rolled back to v41"
    )
    await _next_round(warroom)  # the automatic round falls due while the person's waits
    await warroom.settle()
    business = warroom.texts(warroom.audience_channels["biz-updates"])
    assert len(business) == 2 and "Rolled back to v41" in business[0], business
