"""Alerts in Slack: an incident's alerts message, proposals in the triage channel, notes, and
the call for someone to take command of an incident declared from an alert.

Every string here came from a monitoring tool, so every one is escaped; links are drawn only
for http(s) URLs (`text.link`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.incident import IncidentSnapshot
from app.domain.severity import SeverityScale
from app.domain.text import escape, link, mention, truncate
from app.services import outbox_messages as said
from app.slack.blocks.common import Block, Message, context, fallback, metadata_of, section

TAKE_COMMAND = "take_command"
DECLARE_PROPOSED = "alert_declare"
ATTACH_PROPOSED = "alert_attach"  # action IDs "alert_attach:<n>": unique within the message
DISMISS_PROPOSED = "alert_dismiss"
DISMISS_MODAL = "alert_dismiss_modal"
SPLIT = "alert_split"  # action IDs "alert_split:<n>"; value: the alert's link key
SPLIT_MENU = "alert_split_menu"  # beyond the lines shown with a button
LINES_WITH_BUTTONS = 15
MENU_OPTIONS = 100
ATTACH_CHOICES = 5
DISMISS_REASON_MAX = 300

_STATUS_ICON = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}
_HOW = {"declared": "declared it", "attached": "", "correlated": "downstream", "noted": "note"}


def alerts_message(m: said.AlertsShown) -> Message:
    title = f":rotating_light: *Alerts:* {m.firing} firing of {m.total}"
    blocks: list[Block] = [section(title)]
    for n, line in enumerate(m.lines[:LINES_WITH_BUTTONS]):
        block = section(alert_line(line))
        if line.how == "correlated" and line.status == "firing":
            block["accessory"] = _split_button(n, line.key)
        blocks.append(block)
    rest = m.lines[LINES_WITH_BUTTONS:]
    hidden = m.total - min(len(m.lines), LINES_WITH_BUTTONS)
    if hidden > 0:
        blocks.append(section(f"…and {hidden} more"))
    splittable = [a for a in rest if a.how == "correlated" and a.status == "firing"]
    if splittable:
        blocks.append(_split_menu(splittable[:MENU_OPTIONS]))
    blocks.append(
        context(
            "Repeats and resolutions update this message. Downstream alerts joined this "
            "incident through the catalog: *Split* gives one its own incident."
        )
    )
    return Message(text=fallback(f"Alerts: {m.firing} firing of {m.total}"), blocks=blocks)


def _facts(status: str, title: str, system: str | None, value: str) -> list[str]:
    """An alert's state, title, system and value, escaped: the start of every alert line."""
    icon = _STATUS_ICON.get(status, ":large_yellow_circle:")
    parts = [f"{icon} *{escape(truncate(title, 150))}*"]
    if system:
        parts.append(f"`{escape(system)}`")
    if value:
        parts.append(escape(truncate(value, 80)))
    return parts


def alert_line(line: said.AlertLine) -> str:
    parts = _facts(line.status, line.title, line.system, line.value)
    if line.fired > 1:
        parts.append(f"fired {line.fired}×")
    if line.since:
        parts.append(f"since {_hhmm(line.since)}")
    if _HOW.get(line.how):
        parts.append(_HOW[line.how])
    parts.append(link(line.url, line.source))
    return " · ".join(parts)


def _split_button(n: int, key: str) -> Block:
    return {
        "type": "button",
        "action_id": f"{SPLIT}:{n}",
        "text": {"type": "plain_text", "text": "Split into its own incident"},
        "value": truncate(key, 2000),
    }


def _split_menu(lines: list[said.AlertLine]) -> Block:
    options = [
        {
            "text": {"type": "plain_text", "text": truncate(a.title, 75)},
            "value": truncate(a.key, 150),
        }
        for a in lines
    ]
    return {
        "type": "actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": SPLIT_MENU,
                "placeholder": {"type": "plain_text", "text": "Split an alert off…"},
                "options": options,
            }
        ],
    }


def proposal_message(m: said.AlertProposed, scale: SeverityScale) -> Message:
    severity = scale.describe(m.severity).display if scale.is_known(m.severity) else m.severity
    lines = [f":mag: *Proposed incident:* {escape(truncate(m.title, 150))}"]
    facts = [f"*{escape(severity)}*", link(m.url, m.source)]
    if m.system:
        facts.insert(0, f"`{escape(m.system)}`")
    if m.value:
        facts.append(escape(truncate(m.value, 80)))
    lines.append(" · ".join(facts))
    if m.description:
        lines.append(escape(truncate(m.description, 500)))
    if m.radius:
        lines.append(f":dart: {escape(m.radius)}")
    if m.repeats:
        lines.append(f"_{m.repeats} more alert{'s' if m.repeats != 1 else ''} folded in_")
    text = "\n".join(lines)
    blocks: list[Block] = [section(text)]
    if m.status == "open":
        blocks.append(_proposal_buttons(m))
        blocks.append(context("Whoever declares it is its declarer and first commander."))
    else:
        blocks.append(context(_settled(m)))
    return Message(text=fallback(f"Proposed incident: {escape(m.title)}"), blocks=blocks)


def _proposal_buttons(m: said.AlertProposed) -> Block:
    value = str(m.proposal_id)
    elements: list[Block] = [
        {
            "type": "button",
            "action_id": DECLARE_PROPOSED,
            "style": "danger",
            "text": {"type": "plain_text", "text": f"Declare {m.severity.upper()}"},
            "value": value,
        }
    ]
    for n, choice in enumerate(m.attach_to[:ATTACH_CHOICES]):
        elements.append(
            {
                "type": "button",
                "action_id": f"{ATTACH_PROPOSED}:{n}",
                "text": {"type": "plain_text", "text": f"Attach to INC-{choice.number}"},
                "value": json.dumps({"proposal": m.proposal_id, "incident": choice.number}),
            }
        )
    elements.append(
        {
            "type": "button",
            "action_id": DISMISS_PROPOSED,
            "text": {"type": "plain_text", "text": "Dismiss"},
            "value": value,
        }
    )
    return {"type": "actions", "block_id": f"proposal:{m.proposal_id}", "elements": elements}


def _settled(m: said.AlertProposed) -> str:
    who = mention(m.settled_by) if m.settled_by else "someone"
    if m.status == "declared":
        return f":white_check_mark: Declared as {m.incident_ref} by {who}."
    if m.status == "attached":
        return f":paperclip: Attached to {m.incident_ref} by {who}."
    reason = f": {escape(truncate(m.reason, 300))}" if m.reason else ""
    return f":no_entry_sign: Dismissed by {who}{reason}"


def alert_noted(m: said.AlertNoted) -> Message:
    parts = [*_facts(m.status, m.title, m.system, m.value), link(m.url, m.source)]
    text = " · ".join(parts) + ("" if m.status == "firing" else f" ({escape(m.status)})")
    return Message(text=fallback(f"Alert: {escape(m.title)}"), blocks=[section(text)])


def command_wanted(incident: IncidentSnapshot, m: said.CommandWanted) -> Message:
    where = f"<#{incident.channel_id}>" if m.in_triage and incident.channel_id else m.ref
    if m.taken_by:
        done = f":white_check_mark: {mention(m.taken_by)} took command of {where}."
        return Message(text=fallback(done), blocks=[section(done)])
    asked = ", ".join(mention(p) for p in m.owners)
    text = (
        f":rotating_light: {where} *{escape(truncate(m.title, 150))}* was declared from an "
        "alert, and nobody commands it yet."
        + (f"\n{asked}: you own what it affects. Who takes it?" if asked else "")
    )
    button = {
        "type": "button",
        "action_id": TAKE_COMMAND,
        "style": "primary",
        "text": {"type": "plain_text", "text": "Take command"},
        "value": str(m.incident_id),
    }
    blocks = [section(text), {"type": "actions", "elements": [button]}]
    return Message(text=fallback(f"{m.ref} needs a commander"), blocks=blocks)


def _hhmm(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M UTC")
    except ValueError:
        return "?"


def dismiss_modal(proposal_id: int, title: str) -> dict[str, Any]:
    """Dismissing a proposal asks why: the reason stays on the proposal for whoever looks."""
    return {
        "type": "modal",
        "callback_id": DISMISS_MODAL,
        "title": {"type": "plain_text", "text": "Dismiss the alert"},
        "submit": {"type": "plain_text", "text": "Dismiss"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"proposal": proposal_id}),
        "blocks": [
            section(f"*{escape(truncate(title, 150))}*"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why is it not an incident?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "max_length": DISMISS_REASON_MAX,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "Known noise during the nightly backfill",
                    },
                },
            },
        ],
    }


def read_dismiss_form(view: dict[str, Any]) -> tuple[int, str]:
    """The proposal the form was opened for (as sent: checked by the use case) and the reason."""
    try:
        proposal = int(metadata_of(view)["proposal"])
    except (ValueError, TypeError, KeyError):
        stale = "This form is out of date; press Dismiss on the proposal again."
        raise InvalidInput(stale) from None
    values = view.get("state", {}).get("values", {})
    reason = values.get("reason", {}).get("reason", {}).get("value") or ""
    return proposal, str(reason)
