"""The declaration form, and reading what was typed into it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.domain.catalog import KIND_TITLES, Catalog, System
from app.domain.playbooks import Playbook
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
PLAYBOOK = "playbook"
SYSTEMS = "systems"  # the catalog multi-select (and its options request, past 100 systems)
MAX_STATIC_OPTIONS = 100  # Slack's limit for a static select


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str | None
    affected: str
    impact: str
    private: bool
    response_url: str | None
    channel_id: str | None
    systems: tuple[str, ...] = ()
    playbook: str | None = None


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


def system_option(system: System) -> dict[str, Any]:
    label = f"{system.key} · {KIND_TITLES[system.kind][:-1].lower()}"
    return {"text": _plain(truncate(label, 75)), "value": system.key[:150]}


def systems_input(catalog: Catalog) -> Block | None:
    """The catalog as a multi-select: its options inline up to Slack's 100, else asked for as
    the person types (an options request answered from the catalog)."""
    if not catalog:
        return None
    element: dict[str, Any] = {"placeholder": _plain("Systems from the catalog")}
    if len(catalog.systems) <= MAX_STATIC_OPTIONS:
        options = [system_option(s) for s in catalog.systems.values()]
        element.update(type="multi_static_select", options=options)
    else:
        element.update(type="multi_external_select", min_query_length=1)
    return _input(SYSTEMS, "Affected systems (the blast radius follows)", element, optional=True)


def playbook_input(playbooks: dict[str, Playbook]) -> Block | None:
    """The playbook to follow (else the affected systems' own, from the catalog)."""
    if not playbooks:
        return None
    options = [
        {"text": _plain(truncate(f"{name} · {playbooks[name].title}", 75)), "value": name}
        for name in sorted(playbooks)[:MAX_STATIC_OPTIONS]
    ]
    element = {"type": "static_select", "options": options, "placeholder": _plain("None")}
    return _input(PLAYBOOK, "Playbook (else the affected systems' own)", element, optional=True)


def matching_options(catalog: Catalog, typed: str) -> list[dict[str, Any]]:
    """What the multi-select offers for what was typed: names containing it, first 100."""
    wanted = typed.strip().lower()
    found = [s for s in catalog.systems.values() if wanted in s.key]
    found.sort(key=lambda s: (not s.key.startswith(wanted), s.key))
    return [system_option(s) for s in found[:MAX_STATIC_OPTIONS]]


def declare_modal(
    severities: SeverityScale,
    *,
    private: bool,
    response_url: str | None,
    channel_id: str | None,
    catalog: Catalog | None = None,
    playbooks: dict[str, Playbook] | None = None,
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
    systems = systems_input(catalog) if catalog is not None else None
    playbook = playbook_input(playbooks or {})
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
            *([systems] if systems else []),
            *([playbook] if playbook else []),
            _input(
                _AFFECTED,
                "What is affected (model, service, feature)"
                if not systems
                else "Anything else affected",
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
        systems=tuple(o.get("value", "") for o in value(SYSTEMS).get("selected_options") or []),
        playbook=(value(PLAYBOOK).get("selected_option") or {}).get("value"),
    )
