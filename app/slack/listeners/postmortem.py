"""`/incident postmortem …`: show it, name its owner, record it done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.services import postmortem_followup as followup
from app.slack import parsing_postmortem as words
from app.slack.blocks.common import Message
from app.slack.listeners.incident_commands import Call


async def show(call: Call, cmd: words.ShowPostmortem) -> None:
    await call.reply(Message(text=await call.run(followup.describe, call.channel)))


async def name_owner(call: Call, cmd: words.NamePostmortemOwner) -> None:
    ref = await call.run(followup.name_owner, call.channel, cmd.user, call.user)
    await call.reply(Message(text=f"<@{cmd.user}> now owns the post-mortem of {ref}."))


async def done(call: Call, cmd: words.PostmortemDone) -> None:
    ref = await call.run(followup.mark_done, call.channel, cmd.link, call.user)
    await call.reply(Message(text=f"Recorded: the post-mortem of {ref} is done."))


HANDLERS: dict[type, Callable[[Call, Any], Awaitable[None]]] = {
    words.ShowPostmortem: show,
    words.NamePostmortemOwner: name_owner,
    words.PostmortemDone: done,
}
