"""The update form (what changed, impact, uncertainty, next steps, audiences) and its preview."""

from __future__ import annotations

import json
from typing import Any

from app.domain.text import clean_text, escape, truncate
from app.services.compose import Composed, Narrative
from app.services.updates import Preview, UpdateForm
from app.slack.blocks.common import Block, context, divider, metadata_of, sections

FORM_CALLBACK = "update_form"
PREVIEW_CALLBACK = "update_preview"
FIELDS = {
    "what_changed": ("What changed since the last update", True, "Rolled back fraud-scorer to v41"),
    "impact": ("Current impact, in business terms", False, "About 1,200 payments declined"),
    "uncertain": ("What remains uncertain", False, "Whether the chargeback model is hit"),
    "next_steps": ("Next steps", False, "Confirm precision is back; patch the pipeline"),
}
PREVIEW_SECTIONS = 3  # per audience, to stay under the 100-block limit


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(choice: Any, who_publishes: str) -> dict[str, Any]:
    audience = choice.audience
    where = audience.destination
    note = choice.approval if choice.allowed else who_publishes
    return {
        "text": _plain(truncate(f"{audience.title} → {where}", 75)),
        "value": audience.key,
        "description": _plain(truncate(note, 75)),
    }


def update_form_view(form: UpdateForm, channel_id: str) -> dict[str, Any]:
    blocks: list[Block] = []
    for field, (label, required, hint) in FIELDS.items():
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": field,
            "multiline": True,
            "max_length": 2000,
            "placeholder": _plain(hint),
        }
        if field == "impact" and form.impact:
            element["initial_value"] = form.impact[:2000]
        blocks.append(
            {
                "type": "input",
                "block_id": field,
                "label": _plain(label),
                "element": element,
                "optional": not required,
            }
        )
    options = [_option(c, form.who_publishes) for c in form.choices]
    defaults = [o for o, c in zip(options, form.choices, strict=True) if c.default]
    checkboxes: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": "audiences",
        "options": options[:10],
    }
    if defaults:
        checkboxes["initial_options"] = defaults[:10]
    blocks.append(
        {
            "type": "input",
            "block_id": "audiences",
            "label": _plain("Publish to"),
            "element": checkboxes,
        }
    )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(truncate(f"{form.incident_ref} update", 24)),
        "submit": _plain("Preview"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "blocks": blocks,
    }


def read_update_form(view: dict[str, Any]) -> tuple[str, Narrative, list[str]]:
    values = view.get("state", {}).get("values", {})

    def text(field: str) -> str:
        typed = str(values.get(field, {}).get(field, {}).get("value") or "")
        return clean_text(typed, multiline=True)

    selected = values.get("audiences", {}).get("audiences", {}).get("selected_options") or []
    metadata = metadata_of(view)
    narrative = Narrative(**{field: text(field) for field in FIELDS})
    chosen = [str(o.get("value")) for o in selected if isinstance(o, dict)]
    return str(metadata.get("channel_id") or ""), narrative, chosen


def preview_view(preview: Preview) -> dict[str, Any]:
    blocks: list[Block] = []
    for composed in preview.composed:
        blocks.extend(_preview_of(composed))
        blocks.append(divider())
    blocks.append(
        context(
            "Publish sends each audience the words above; held-back ones stay "
            "pending and comms is told in the incident channel."
        )
    )
    return {
        "type": "modal",
        "callback_id": PREVIEW_CALLBACK,
        "title": _plain(truncate(f"Preview {preview.incident_ref}", 24)),
        "submit": _plain("Publish"),
        "close": _plain("Back"),
        "private_metadata": json.dumps({"draft_id": preview.draft_id}),
        "blocks": blocks[:100],
    }


def _preview_of(composed: Composed) -> list[Block]:
    audience = composed.audience
    where = escape(audience.destination)
    if composed.text is None:
        reason = escape(composed.held_back or "not approved")
        return [
            context(f"*{audience.title}* → {where}"),
            *sections(f":no_entry: *Will not be sent:* the template is {reason}."),
        ]
    approval = f" · {escape(composed.approval)}" if composed.approval else ""
    return [
        context(f"*{audience.title}* → {where}{approval}"),
        *sections(composed.text, most=PREVIEW_SECTIONS),
    ]


def draft_id_of(view: dict[str, Any]) -> int:
    draft = metadata_of(view).get("draft_id")
    return draft if isinstance(draft, int) else 0
