"""The blast radius, a system from the catalog, and the offer to raise the severity."""

from __future__ import annotations

import json

from app.domain.catalog import KIND_TITLES, BlastRadius, BusinessFunction, Catalog, System
from app.domain.severity import SeverityScale
from app.domain.text import escape, mention, owner_mention
from app.services import outbox_messages as said
from app.slack.blocks.common import Block, Message, context, fallback, section, sections

RAISE_ACTION = "raise_severity"
LISTED = 12  # systems named per kind before "…and N more"


def blast_radius_message(m: said.BlastRadiusShown, catalog: Catalog) -> Message:
    radius = catalog.blast_radius(m.affected)
    title = (
        f":dart: *Blast radius:* {_count(len(radius.systems), 'system')}, "
        f"{_count(len(radius.functions), 'business function')}"
    )
    blocks = [section(title), *sections(radius_text(radius, m.versions), most=6)]
    blocks.append(context(_footer(m)))
    return Message(text=fallback(title), blocks=blocks)


def radius_text(radius: BlastRadius, versions: list[str]) -> str:
    """Systems by kind (the named ones marked), business functions by name with owners, and
    model versions, as mrkdwn lines."""
    named = {s.key for s in radius.affected}
    lines = [
        f"*{KIND_TITLES[kind]}:* {_listed(systems, named)}" for kind, systems in radius.by_kind()
    ]
    if radius.functions:
        lines.append("*Business functions:* " + "; ".join(_function(f) for f in radius.functions))
    else:
        lines.append("*Business functions:* none in the catalog")
    lines += [f":label: {escape(line)}" for line in versions]
    return "\n".join(lines)


def _listed(systems: list[System], named: set[str]) -> str:
    shown = [f"`{escape(s.key)}`" + (" (named)" if s.key in named else "") for s in systems]
    more = len(shown) - LISTED
    return ", ".join(shown[:LISTED]) + (f" …and {more} more" if more > 0 else "")


def _function(function: BusinessFunction) -> str:
    owners = ", ".join(owner_mention(o) for o in function.owners) or "no owner listed"
    return f"*{escape(function.name)}* ({owners})"


def _footer(m: said.BlastRadiusShown) -> str:
    asked = f"{_count(len(m.invited), 'owner')} invited" if m.invited else "no owner to invite"
    return f"Named by {mention(m.added_by)} · {asked} · `/incident impact` shows it again"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def severity_suggestion(m: said.SeveritySuggested, scale: SeverityScale) -> Message:
    current, suggested = scale.describe(m.current), scale.describe(m.suggested)
    because = ", ".join(f"`{escape(k)}`" for k in m.because[:5])
    text = (
        f":arrow_up: The blast radius includes {escape(m.tier)}-tier {because}, which suggests "
        f"*{suggested.display}*; this incident is {current.display}."
    )
    if m.raised_by:
        raised = f"Raised to {suggested.key.upper()} by {mention(m.raised_by)}."
        done = f"{text}\n:white_check_mark: {raised}"
        return Message(text=fallback(done), blocks=[section(done)])
    blocks: list[Block] = [
        section(text),
        {
            "type": "actions",
            "block_id": "severity_suggestion",
            "elements": [
                {
                    "type": "button",
                    "action_id": RAISE_ACTION,
                    "text": {"type": "plain_text", "text": f"Raise to {suggested.key.upper()}"},
                    "style": "danger",
                    "value": json.dumps({"severity": m.suggested}),
                }
            ],
        },
        context("Only the commander (or an admin) can raise it; Warroom never does on its own."),
    ]
    return Message(text=fallback(text), blocks=blocks)


def system_message(system: System, catalog: Catalog, versions: dict[str, str]) -> Message:
    """`/incident catalog <name>`: one system, what it depends on and what depends on it."""
    up = ", ".join(f"`{escape(s.key)}`" for s in catalog.upstream(system.key)) or "nothing"
    down = ", ".join(f"`{escape(s.key)}`" for s in catalog.downstream(system.key)) or "nothing"
    functions = [catalog.functions[f] for f in system.serves if f in catalog.functions]
    lines = [
        f"*{escape(system.key)}* · {KIND_TITLES[system.kind][:-1].lower()}"
        + (f" · {escape(system.risk_tier)} tier" if system.risk_tier else ""),
        escape(system.description) if system.description else "",
        "*Owners:* " + (", ".join(owner_mention(o) for o in system.owners) or "none listed"),
        f"*Depends on:* {up}",
        f"*Depended on by:* {down}",
        "*Serves:* " + ("; ".join(_function(f) for f in functions) or "no business function"),
    ]
    if system.registry:
        note = versions.get(system.key, "registry not configured")
        lines.append(f"*Registry:* `{escape(system.registry.mlflow_name)}` · {escape(note)}")
    if system.playbook:
        lines.append(f"*Playbook:* `{escape(system.playbook)}`")
    lines += [f"<{escape(url)}|{escape(label)}>" for label, url in system.links]
    text = "\n".join(line for line in lines if line)
    return Message(text=fallback(f"{system.key} in the catalog"), blocks=sections(text, most=5))


def catalog_listing(catalog: Catalog) -> Message:
    """`/incident catalog`: every system by kind, and the business functions."""
    if not catalog:
        return Message(text="The catalog is empty: list your systems under `catalog:`.")
    groups = [
        (kind, [s for s in catalog.systems.values() if s.kind == kind]) for kind in KIND_TITLES
    ]
    lines = [f"*{KIND_TITLES[k]}:* {_listed(s, set())}" for k, s in groups if s]
    names = ", ".join(escape(f.name) for f in catalog.functions.values()) or "none"
    lines.append(f"*Business functions:* {names}")
    lines.append("_`/incident catalog <name>` shows one system._")
    return Message(text="The catalog", blocks=sections("\n".join(lines), most=8))


def impact_reply(ref: str, radius: BlastRadius, versions: list[str]) -> Message:
    """`/incident impact`, only to the person who asked."""
    if not radius.systems:
        return Message(
            text=f"{ref} names no affected system yet: `/incident affects <system>` "
            "(`/incident catalog` lists them)."
        )
    title = (
        f":dart: *{ref} blast radius:* {_count(len(radius.systems), 'system')}, "
        f"{_count(len(radius.functions), 'business function')}"
    )
    return Message(
        text=fallback(title), blocks=[section(title), *sections(radius_text(radius, versions), 6)]
    )


def rollback_done(m: said.RollbackDone) -> Message:
    runs = ""
    if m.before_run or m.after_run:
        runs = f" (run `{escape(m.before_run or '?')}` → `{escape(m.after_run or '?')}`)"
    text = (
        f":rewind: *`{escape(m.system)}` rolled back:* `{escape(m.alias)}` now points at "
        f"*v{m.after}* (was v{m.before}){runs}, read back from the registry."
    )
    why = f"Decided by {mention(m.by)} in {m.decision}: {escape(m.why)}"
    return Message(
        text=fallback(text),
        blocks=[section(text), context(why, f"Undo: `/incident rollback {m.system} --undo`")],
    )


def rollback_failed(m: said.RollbackFailed) -> Message:
    text = (
        f":x: *Rollback of `{escape(m.system)}` failed* ({m.decision}, `{escape(m.alias)}` "
        f"v{m.from_version} → v{m.to_version}): {escape(m.error)}"
    )
    return Message(
        text=fallback(text),
        blocks=[section(text), context("Check the registry, then propose it again if needed.")],
    )
