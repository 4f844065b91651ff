"""The "Was this useful?" pair of buttons under business and executive updates."""

from __future__ import annotations

import json
from typing import Any

from app.slack.blocks.common import Block

USEFUL_ACTION = "update_useful"
NOT_USEFUL_ACTION = "update_not_useful"


def feedback_buttons(update_id: int, audience: str) -> list[Block]:
    value = json.dumps({"u": update_id, "a": audience}, separators=(",", ":"))
    return [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Was this useful?"}],
        },
        {
            "type": "actions",
            "block_id": f"feedback:{update_id}",
            "elements": [
                _button("👍", USEFUL_ACTION, value),
                _button("👎", NOT_USEFUL_ACTION, value),
            ],
        },
    ]


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }


def read_vote(value: str) -> tuple[int, str] | None:
    """(update id, audience) from a button's value; None when it is not one of ours."""
    try:
        found = json.loads(value)
        return int(found["u"]), str(found["a"])
    except (ValueError, KeyError, TypeError):
        return None


def thanks(useful: bool, replaced: bool) -> str:
    what = "useful" if useful else "not useful"
    if replaced:
        return f"Your vote is changed: this update was {what}. Thank you."
    return f"Thank you: noted that this update was {what}."
