"""What listeners need, handed to each group's register(app, deps)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.services.context import ServiceContext
from app.slack.ack_gate import AckGate
from app.slack.blocks.common import Message
from app.slack.messages import MessageBook
from app.slack.parsing import CommandParser
from app.slack.responder import Responder

T = TypeVar("T")


class Activity:
    """Counts listener work still running after its ack (graceful shutdown, tests)."""

    def __init__(self) -> None:
        self.running = 0

    @contextmanager
    def track(self) -> Iterator[None]:
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1


@dataclass
class SlackDeps:
    ctx: ServiceContext
    parser: CommandParser
    book: MessageBook
    responder: Responder = field(default_factory=Responder)
    gate: AckGate = field(default_factory=AckGate)
    activity: Activity = field(default_factory=Activity)

    async def reply(self, response_url: str | None, message: Message) -> None:
        if response_url:
            await self.responder.send(response_url, message)

    async def run(self, use_case: Callable[..., T], *args: Any) -> T:
        """Run a (blocking, database) use case off the event loop."""
        return await asyncio.to_thread(use_case, self.ctx, *args)
