"""The declaration form, and reading what was typed into it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.domain.severity import SeverityScale
from app.domain.text import clean_text, truncate
from app.slack.blocks.common import Block, metadata_of

DECLARE_CALLBACK = "declare_incident"
_TITLE, _SEVERITY, _AFFECTED, _IMPACT, _PRIVATE = (
    "title",
    "severity",
    "affected",
    "impact",
    "private",
)


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str | None
    affected: str
    impact: str
    private: bool
    response_url: str | None
    channel_id: str | None


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Block:
    element = {**element, "action_id": block_id}
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }


def declare_modal(
    severities: SeverityScale, *, private: bool, response_url: str | None, channel_id: str | None
) -> dict[str, Any]:
    options = [
        {"text": _plain(truncate(f"{s.key.upper()} · {s.label}", 75)), "value": s.key}
        for s in severities
    ][:100]
    private_option = {
        "text": _plain("Private incident (invite-only channel, no announcement)"),
        "value": "private",
    }
    checkbox: dict[str, Any] = {"type": "checkboxes", "options": [private_option]}
    if private:
        checkbox["initial_options"] = [private_option]
    metadata = json.dumps({"response_url": response_url, "channel_id": channel_id})
    return {
        "type": "modal",
        "callback_id": DECLARE_CALLBACK,
        "title": _plain("Declare an incident"),
        "submit": _plain("Declare"),
        "close": _plain("Cancel"),
        "private_metadata": metadata if len(metadata) <= 3000 else "{}",
        "blocks": [
            _input(
                _TITLE,
                "Title",
                {
                    "type": "plain_text_input",
                    "max_length": 150,
                    "placeholder": _plain("Fraud model precision dropped 15%"),
                },
            ),
            _input(
                _SEVERITY,
                "Severity (if unsure, choose the higher one)",
                {
                    "type": "static_select",
                    "options": options,
                    "placeholder": _plain("Choose a severity"),
                },
            ),
            _input(
                _AFFECTED,
                "What is affected (model, service, feature)",
                {
                    "type": "plain_text_input",
                    "max_length": 500,
                    "placeholder": _plain("fraud-scorer v42, card transactions EU"),
                },
                optional=True,
            ),
            _input(
                _IMPACT,
                "Impact so far",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "max_length": 2000,
                    "placeholder": _plain("False declines up ~3x since 02:00 UTC"),
                },
                optional=True,
            ),
            _input(_PRIVATE, "Visibility", checkbox, optional=True),
        ],
    }


def read_declare_form(view: dict[str, Any], severities: SeverityScale) -> DeclareForm:
    values = view.get("state", {}).get("values", {})

    def value(block: str) -> Any:
        return values.get(block, {}).get(block, {})

    def text(block: str, multiline: bool = False) -> str:
        return clean_text(str(value(block).get("value") or ""), multiline=multiline).strip()

    title = " ".join(text(_TITLE).split())
    selected = value(_SEVERITY).get("selected_option") or {}
    severity = selected.get("value")
    errors = {}
    if not title:
        errors[_TITLE] = "Give the incident a title people will recognise."
    if not severity or not severities.is_known(severity):
        errors[_SEVERITY] = "Choose a severity; if unsure, choose the higher one."
    if errors:
        raise FormErrors(errors)
    meta = metadata_of(view)
    return DeclareForm(
        title=title,
        severity=severity,
        affected=text(_AFFECTED),
        impact=text(_IMPACT, multiline=True),
        private=bool(value(_PRIVATE).get("selected_options")),
        response_url=meta.get("response_url"),
        channel_id=meta.get("channel_id"),
    )
