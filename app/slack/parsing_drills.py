"""`/incident drill [scenario]`: words in, a command object out."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.text import escape
from app.slack.text import to_plain


@dataclass(frozen=True)
class StartDrill:
    scenario: str | None  # None: list the scenarios


def parse_drill(args: str, caller: str) -> StartDrill:
    words = to_plain(args).split()
    if not words:
        return StartDrill(None)
    if len(words) > 1:
        raise InvalidInput(
            f"Name one scenario: `/incident drill {escape(words[0].lower())}`, or "
            "`/incident drill` alone for the list."
        )
    return StartDrill(words[0].lower())
