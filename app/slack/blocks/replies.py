"""Ephemeral replies to the person who typed a command."""

from __future__ import annotations

from app.domain.durations import humanize
from app.domain.text import escape, mention, with_mentions
from app.persistence.tables import RoleAssignment, TimelineEntry
from app.services.roles import Roster
from app.slack.blocks.common import Message, context, fallback, header, section, sections
from app.slack.parsing import USAGE


def help_message(unknown: str | None = None) -> Message:
    lines = [f"`/incident {usage}`: {line}" for usage, line in USAGE]
    intro = "*Warroom* runs the war room for a model incident. Commands:"
    if unknown:
        intro = f"I don't know `{escape(unknown)}`. " + intro
    # Split at line breaks: the list outgrows one section's 3,000 characters as commands arrive.
    return Message(text=fallback(intro), blocks=[section(intro), *sections("\n".join(lines))])


def roster_message(roster: Roster) -> Message:
    incident = roster.incident
    lines = []
    for slot in incident.roles:
        holder = mention(slot.holder) if slot.holder else "_unfilled_"
        lines.append(f"• *{slot.title}:* {holder}")
    blocks = [header(f"{incident.ref} roles"), section("\n".join(lines))]
    past = [a for a in roster.history if a.ended_at is not None]
    if past:
        blocks.append(context(*[_past(a) for a in past[-9:]]))
    blocks.append(
        context(
            "Fill a role: `/incident assign <role> @person` "
            "(or `me` for a free one, except commander and comms)."
        )
    )
    return Message(text=fallback(f"{incident.ref} roles"), blocks=blocks)


def _past(assignment: RoleAssignment) -> str:
    assert assignment.ended_at is not None
    held = humanize(assignment.ended_at - assignment.started_at)
    return f"{assignment.role}: {mention(assignment.user_id)} held it for {held}"


def timeline_message(ref: str, entries: list[TimelineEntry]) -> Message:
    if not entries:
        return Message(text=f"{ref} has no timeline entries yet.")
    lines = [_entry(e) for e in entries]
    blocks = [header(f"{ref} timeline (latest {len(entries)})"), *sections("\n".join(lines), 8)]
    blocks.append(
        context("Add to it with `/incident note <text>` or react :pushpin: to a message.")
    )
    return Message(text=fallback(f"{ref} timeline"), blocks=blocks)


def _entry(entry: TimelineEntry) -> str:
    when = f"<!date^{int(entry.at.timestamp())}^{{time}}|{entry.at:%H:%M} UTC>"
    who = "Warroom" if entry.actor == "warroom" else mention(entry.actor)
    text = with_mentions(entry.text[:400], entry.people)  # never an ID someone typed
    if entry.link:
        text += f" (<{escape(entry.link)}|message>)"
    return f"`{entry.kind}` {when} {who}: {text}"


def summary_message(text: str, note: str) -> Message:
    return Message(
        text=fallback(text.splitlines()[0] if text else "Summary"),
        blocks=[*sections(text, 5), context(note)],
    )
