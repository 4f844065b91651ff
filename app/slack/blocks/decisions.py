"""Decision messages (a button per option, then the outcome), the rationale and ask forms,
and the lists people see."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.domain.decisions import DecisionStatus
from app.domain.errors import InvalidInput
from app.domain.text import clean_text, escape, mention, truncate
from app.services import outbox_messages as said
from app.slack.blocks.common import (
    Block,
    Message,
    context,
    fallback,
    header,
    metadata_of,
    section,
    sections,
)

DECIDE_ACTION = "decide"  # action_id prefix; the value carries decision id and option
CLOSE_ACTION, CARRY_ACTION = "decision_close", "decision_carry"
RATIONALE_CALLBACK, ASK_CALLBACK = "decision_rationale", "decision_ask"
DUE_CHOICES = ["10m", "15m", "30m", "1h", "2h", "4h"]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{moment:%H:%M} UTC>"


def decision_message(m: said.DecisionAsked) -> Message:
    """The decision as posted in the incident channel; redrawn when it is settled."""
    question = escape(m.question)
    if m.status == DecisionStatus.PENDING:
        text = f":question: *{m.ref}* · {question}"
        blocks = [
            section(f"{text}\nOwner {mention(m.owner)} · due {_when(m.due_at)}"),
            {
                "type": "actions",
                "block_id": f"decision-{m.decision_id}",
                "elements": [_button(m.decision_id, n, o) for n, o in enumerate(m.options)],
            },
            context(f"Or type `/incident decide {m.ref} <option> <one-line reason>`."),
        ]
        return Message(text=fallback(f"{m.ref}: {question}"), blocks=blocks)
    outcome = {
        DecisionStatus.DECIDED: f":white_check_mark: *Decided: {escape(m.outcome or '')}*",
        DecisionStatus.CLOSED: ":heavy_multiplication_x: *Closed without a decision*",
        DecisionStatus.CARRIED: ":arrow_right: *Carried over to follow-up*",
    }[DecisionStatus(m.status)]
    why = f": {escape(m.rationale)}" if m.rationale else ""
    by = f" by {mention(m.decided_by)}" if m.decided_by else ""
    return Message(
        text=fallback(f"{m.ref} {m.status}: {question}"),
        blocks=[section(f"*{m.ref}* · {question}\n{outcome}{by}{why}")],
    )


def _button(decision_id: int, n: int, option: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": f"{DECIDE_ACTION}:{n}",
        "text": _plain(truncate(option, 75)),
        "value": json.dumps({"d": decision_id, "o": option}),
    }
    if n == 0:
        button["style"] = "primary"
    return button


def decision_made(m: said.DecisionMade) -> Message:
    text = (
        f":white_check_mark: *{m.ref}* decided by {mention(m.by)}: "
        f"*{escape(m.outcome)}*. Why: {escape(m.why)}"
    )
    return Message(text=fallback(text), blocks=[section(text)])


def rationale_modal(decision_id: int, option: str, ref: str, question: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": RATIONALE_CALLBACK,
        "title": _plain(truncate(f"Decide {ref}", 24)),
        "submit": _plain("Record decision"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"d": decision_id, "o": option}),
        "blocks": [
            section(f"*{escape(option)}* for: {escape(question)}"),
            {
                "type": "input",
                "block_id": "rationale",
                "label": _plain("Why? (one line)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "rationale",
                    "max_length": 300,
                    "placeholder": _plain("Fallback precision is known; losses stop now"),
                },
            },
        ],
    }


def read_rationale_metadata(view: dict[str, Any]) -> tuple[int, str]:
    """The decision and option the rationale form was opened for."""
    chosen = metadata_of(view)
    try:
        return int(chosen["d"]), str(chosen["o"])
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("This form is out of date; press the option's button again.") from None


def ask_modal(channel_id: str) -> dict[str, Any]:
    due = [{"text": _plain(d), "value": d} for d in DUE_CHOICES]
    return {
        "type": "modal",
        "callback_id": ASK_CALLBACK,
        "title": _plain("Ask for a decision"),
        "submit": _plain("Ask"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "blocks": [
            _input(
                "question",
                "The question",
                {
                    "type": "plain_text_input",
                    "max_length": 300,
                    "placeholder": _plain("Roll back fraud-scorer to v41?"),
                },
            ),
            _input(
                "options",
                "Options, separated by |",
                {"type": "plain_text_input", "placeholder": _plain("Roll back|Hold|Fallback")},
                optional=True,
            ),
            _input(
                "owner",
                "Who decides (default: the commander)",
                {"type": "users_select"},
                optional=True,
            ),
            _input(
                "due",
                "Due in (default: by severity)",
                {"type": "static_select", "options": due},
                optional=True,
            ),
        ],
    }


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }


def read_ask_modal(view: dict[str, Any]) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})

    def field(name: str) -> dict[str, Any]:
        return dict(values.get(name, {}).get(name, {}))

    def text(name: str) -> str | None:
        typed = field(name).get("value")
        return None if typed is None else clean_text(str(typed))

    return {
        "channel_id": str(metadata_of(view).get("channel_id") or ""),
        "question": text("question") or "",
        "options": text("options"),
        "owner": field("owner").get("selected_user"),
        "due": (field("due").get("selected_option") or {}).get("value"),
    }


def decisions_list(ref: str, decisions: list[Any]) -> Message:
    if not decisions:
        return Message(text=f"{ref} has no decisions yet. Ask for one with `/incident decision`.")
    lines = [_line(d) for d in decisions]
    return Message(
        text=fallback(f"{ref} decisions"),
        blocks=[header(f"{ref} decisions"), *sections("\n".join(lines), 20)],
    )


def _line(d: Any) -> str:
    head = f"• *D-{d.number}* {escape(d.question)}"
    if d.status == DecisionStatus.PENDING:
        due = int(d.due_at.timestamp())
        return f"{head} · _pending_, owner {mention(d.owner)}, due <!date^{due}^{{time}}|soon>"
    outcome = escape(d.outcome or d.status)
    why = f": {escape(d.rationale)}" if d.rationale else ""
    return f"{head} → *{outcome}* by {mention(d.decided_by or '')}{why}"


def pending_before_resolve(message: str, decisions: list[Any]) -> Message:
    """Resolving was refused: close or carry over each pending decision, right here."""
    blocks: list[Block] = [section(message)]
    for d in decisions[:20]:
        blocks.append(section(f"*D-{d.number}* {escape(d.question)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"settle-{d.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{CLOSE_ACTION}:{d.id}",
                        "value": str(d.id),
                        "text": _plain(f"Close D-{d.number}"),
                    },
                    {
                        "type": "button",
                        "action_id": f"{CARRY_ACTION}:{d.id}",
                        "value": str(d.id),
                        "text": _plain(f"Carry over D-{d.number}"),
                    },
                ],
            }
        )
    return Message(text=fallback(message), blocks=blocks[:50])
