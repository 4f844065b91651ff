"""`/incident flag|notified|unflag|clocks`: regulatory clocks. Call the use case, answer the
person; the channel hears of every change from the use case (through the outbox)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.domain.text import escape
from app.services import regulatory_clocks
from app.slack import parsing_clocks as words
from app.slack.blocks import clocks as blocks
from app.slack.blocks.common import Message
from app.slack.listeners.incident_commands import Call


async def flag(call: Call, cmd: words.FlagClock) -> None:
    done = await call.run(
        regulatory_clocks.flag, call.channel, cmd.name, call.user, cmd.aware_since
    )
    await call.reply(blocks.flagged_reply(done))


async def notified(call: Call, cmd: words.ClockNotified) -> None:
    clock = await call.run(
        regulatory_clocks.record_notified, call.channel, cmd.name, cmd.reference, call.user
    )
    await call.reply(
        Message(
            text=f"Recorded: the authority was notified for {escape(clock.label)} "
            f"(reference `{escape(clock.reference)}`); its reminders have stopped."
        )
    )


async def unflag(call: Call, cmd: words.UnflagClock) -> None:
    clock = await call.run(regulatory_clocks.unflag, call.channel, cmd.name, cmd.reason, call.user)
    await call.reply(Message(text=f"Unflagged {escape(clock.label)}; the reason is logged."))


async def show(call: Call, cmd: words.ListClocks) -> None:
    await call.reply(blocks.clocks_list(await call.run(regulatory_clocks.listed, call.channel)))


HANDLERS: dict[type, Callable[[Call, Any], Awaitable[None]]] = {
    words.FlagClock: flag,
    words.ClockNotified: notified,
    words.UnflagClock: unflag,
    words.ListClocks: show,
}
