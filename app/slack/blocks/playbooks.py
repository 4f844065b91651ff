"""Playbook messages: a phase's checklist (checkboxes, 10 to an element), evidence and
hypotheses as they are recorded, the remediation menu."""

from __future__ import annotations

import json
from typing import Any

from app.domain.playbooks import PLAIN_PHASE, Playbook
from app.domain.text import escape, escape_within, mention, truncate
from app.services import outbox_messages as said
from app.slack.blocks.common import Block, Message, context, fallback, section, sections

STEP_ACTION = "checklist"  # action_id prefix: checklist:<phase>:<n>
PROPOSE_ACTION = "remediation_propose"
OPTIONS_BLOCK = "remediation_options"
PER_ELEMENT = 10  # Slack's limit of options in one checkboxes element
OPTION_TEXT = 75  # Slack's limit of an option's text, and of its description


def checklist_message(m: said.ChecklistShown) -> Message:
    required = [s for s in m.steps if s.required]
    done = sum(1 for s in required if s.done_by)
    title = (
        f":clipboard: *{escape(m.title)}* · {m.phase.capitalize()} · "
        f"{done} of {len(required)} required steps done"
    )
    blocks: list[Block] = [section(title)]
    for start in range(0, len(m.steps), PER_ELEMENT):
        chunk = m.steps[start : start + PER_ELEMENT]
        blocks.append(_checkboxes(m.phase, start // PER_ELEMENT, chunk))
    blocks.append(
        context(
            "Tick steps here, or `/incident step <id> done [note]`; `/incident checklist` "
            "posts it again."
        )
    )
    return Message(text=fallback(f"{m.title}: {m.phase} checklist"), blocks=blocks)


def _checkboxes(phase: str, n: int, steps: list[said.StepLine]) -> Block:
    options = [_option(step) for step in steps]
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": f"{STEP_ACTION}:{phase}:{n}",
        "options": options,
    }
    ticked = [option for option, step in zip(options, steps, strict=True) if step.done_by]
    if ticked:
        element["initial_options"] = ticked
    return {"type": "actions", "block_id": f"checklist-{phase}-{n}", "elements": [element]}


def _option(step: said.StepLine) -> dict[str, Any]:
    return {
        "text": {"type": "mrkdwn", "text": escape_within(step.text, OPTION_TEXT)},
        "value": step.id,
        "description": {"type": "mrkdwn", "text": truncate(_state(step), OPTION_TEXT)},
    }


def _state(step: said.StepLine) -> str:
    """Who and what first, the step's id last: cut to Slack's length, only the id is cut."""
    parts = []
    if step.done_by:
        parts.append(f"done by {mention(step.done_by)}")
    elif step.waiting_for:
        parts.append(f"waiting for {step.waiting_for} evidence")
    elif step.holder:
        parts.append(mention(step.holder))
    elif step.role:
        parts.append(f"{step.role}: unfilled")
    if step.required and not step.done_by:
        parts.append("required")
    parts.append(f"`{step.id}`")
    return " · ".join(parts)


def evidence_recorded(m: said.EvidenceRecorded) -> Message:
    note = f" — {escape(m.note)}" if m.note else ""
    text = f":paperclip: *E-{m.number}* {m.kind}: {escape(m.reference)}{note} ({mention(m.by)})"
    return Message(text=fallback(text), blocks=[section(text)])


ICONS = {"open": ":grey_question:", "testing": ":test_tube:", "confirmed": ":white_check_mark:"}


def hypothesis_moved(m: said.HypothesisMoved) -> Message:
    icon = ICONS.get(m.status, ":heavy_multiplication_x:")
    why = f" What showed it: {escape(m.outcome)}" if m.outcome else ""
    verb = "raised" if m.status == "open" else m.status
    text = f"{icon} *H-{m.number}* {verb} by {mention(m.by)}: {escape(m.text)}.{why}"
    return Message(text=fallback(text), blocks=[section(text)])


def remediation_menu(ref: str, playbook: Playbook) -> Message:
    """`/incident remediation`: the fixes, each with effort, risk, rollback plan and success
    measure; tick the ones to propose, then Propose records a decision for the commander."""
    options = playbook.phase("remediation").options
    if not options:
        return Message(text=f"The {playbook.title} playbook lists no fixes for {ref}.")
    lines = [
        f"*{escape(o.text)}* (`{o.id}`) · effort {escape(o.effort or '?')} · risk "
        f"{escape(o.risk or '?')}\n    rollback: {escape(o.rollback or '—')} · "
        f"success: {escape(o.success or '—')}"
        for o in options
    ]
    choose = {
        "type": "checkboxes",
        "action_id": "remediation_choice",
        "options": [
            {"text": {"type": "mrkdwn", "text": escape_within(o.text, OPTION_TEXT)}, "value": o.id}
            for o in options[:PER_ELEMENT]
        ],
    }
    propose = {
        "type": "button",
        "action_id": PROPOSE_ACTION,
        "text": {"type": "plain_text", "text": "Propose"},
        "style": "primary",
        "value": json.dumps({"playbook": playbook.name}),
    }
    blocks: list[Block] = [
        section(f":wrench: *{ref} · remediation menu* ({escape(playbook.title)})"),
        section("\n".join(lines)),
        {"type": "actions", "block_id": OPTIONS_BLOCK, "elements": [choose, propose]},
        context("Propose asks the commander to decide on the fixes you ticked."),
    ]
    return Message(text=fallback(f"{ref} remediation menu"), blocks=blocks)


def plain_phase(phase: str) -> str:
    return PLAIN_PHASE.get(phase, phase)


def playbook_status(
    ref: str, playbook: Playbook | None, phase: str | None, installed: dict[str, Playbook]
) -> Message:
    """`/incident playbook`: what the incident follows, or what could be attached."""
    if playbook is None:
        names = (
            "\n".join(
                f"• `{p.name}`: {escape(p.title)}"
                for p in sorted(installed.values(), key=lambda p: p.name)
            )
            or "none are installed"
        )
        return Message(
            text=f"{ref} follows no playbook.",
            blocks=[
                section(f"{ref} follows no playbook. Attach one with `/incident playbook <name>`:"),
                section(names),
            ],
        )
    text = (
        f":clipboard: {ref} follows *{escape(playbook.title)}* (`{playbook.name}`, version "
        f"{playbook.sha256[:12]}); the work is in *{phase}*: {escape(plain_phase(phase or ''))}."
    )
    return Message(text=fallback(text), blocks=[section(text)])


def evidence_list(ref: str, evidence: list[Any]) -> Message:
    if not evidence:
        return Message(text=f"{ref} has no evidence yet: `/incident evidence <kind> <reference>`.")
    lines = [
        f"*E-{e.number}* {e.kind}: {escape(e.reference)}"
        + (f" — {escape(e.note)}" if e.note else "")
        + f" ({mention(e.by)})"
        for e in evidence
    ]
    return Message(
        text=f"{ref} evidence", blocks=[section(f"*{ref} evidence*"), *sections_of(lines)]
    )


def hypotheses_list(ref: str, found: list[Any]) -> Message:
    if not found:
        return Message(text=f"{ref} has no hypotheses yet: `/incident hypothesis <text>`.")
    lines = [
        f"*H-{h.number}* {h.status}: {escape(h.text)}"
        + (f" (what showed it: {escape(h.outcome)})" if h.outcome else "")
        for h in found
    ]
    return Message(
        text=f"{ref} hypotheses", blocks=[section(f"*{ref} hypotheses*"), *sections_of(lines)]
    )


def sections_of(lines: list[str]) -> list[Block]:
    return sections("\n".join(lines), most=8)
