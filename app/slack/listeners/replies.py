"""Sending a Message as an ephemeral reply through Bolt's respond()."""

from typing import Any

from app.slack.blocks.common import Message


async def reply(respond: Any, message: Message) -> None:
    await respond(
        text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
    )
