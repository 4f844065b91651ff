"""Small Block Kit pieces that respect Slack's size limits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.domain.drills import MARK, marked
from app.domain.text import truncate

Block = dict[str, Any]
SECTION_TEXT = 3000
HEADER_TEXT = 150
MESSAGE_BLOCKS = 50
FALLBACK_TEXT = 3900


@dataclass(frozen=True)
class Message:
    """What is posted: `text` is the notification and screen-reader fallback."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.blocks) > MESSAGE_BLOCKS:
            raise ValueError(f"a message holds at most {MESSAGE_BLOCKS} blocks")


def drill_marked(message: Message) -> Message:
    """The message with the drill mark at its start: in the notification text and in the first
    block people read (a header's or a section's text; else a line of its own on top)."""
    text = fallback(marked(message.text))
    blocks = [dict(b) for b in message.blocks]
    first = blocks[0] if blocks else None
    words = first.get("text") if first else None
    if first is not None and isinstance(words, dict) and first["type"] in ("header", "section"):
        most = HEADER_TEXT if first["type"] == "header" else SECTION_TEXT
        shown = marked(words["text"]) if first["type"] == "header" else f"*{MARK}* {words['text']}"
        if not words["text"].startswith((MARK, f"*{MARK}*")):
            first["text"] = {**words, "text": truncate(shown, most)}
    elif blocks and len(blocks) < MESSAGE_BLOCKS:
        blocks.insert(0, context(f"*{MARK}*"))
    return Message(text=text, blocks=blocks)


def header(text: str) -> Block:
    plain = {"type": "plain_text", "text": truncate(text, HEADER_TEXT), "emoji": True}
    return {"type": "header", "text": plain}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_TEXT)}}


def sections(mrkdwn: str, most: int = 10) -> list[Block]:
    """Long text split at line breaks into sections that each fit Slack's limit."""
    chunks: list[str] = []
    for line in mrkdwn.splitlines():
        if chunks and len(chunks[-1]) + len(line) + 1 <= SECTION_TEXT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [section(chunk) for chunk in chunks[:most] if chunk.strip()]


def context(*mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(t, SECTION_TEXT)} for t in mrkdwn[:10]],
    }


def divider() -> Block:
    return {"type": "divider"}


def fallback(text: str) -> str:
    return truncate(text, FALLBACK_TEXT)


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted view's private_metadata as a dict; anything unreadable reads as empty.
    It comes back as sent, so callers check what it names before acting on it."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
