"""Action items in Slack: recorded, done, due (a DM), and the list `/incident actions` shows."""

from __future__ import annotations

from datetime import datetime

from app.domain.action_items import is_overdue
from app.domain.incident import IncidentSnapshot
from app.domain.text import escape, mention
from app.services import outbox_messages as said
from app.services.action_items import Item
from app.slack.blocks.common import Message, context, fallback, header, section, sections

LISTED = 40  # lines in one `/incident actions` reply (sections split them within limits)


def day(moment: datetime) -> str:
    """A date each reader sees in their own time zone, with a plain fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>"


def recorded(incident: IncidentSnapshot, m: said.ActionItemRecorded) -> Message:
    due = day(datetime.fromisoformat(m.due_at))
    text = (
        f":memo: *{m.ref}* ({incident.ref}, {m.kind}) {escape(m.text)}\n"
        f"Owner {mention(m.owner)} · due {due} · recorded by {mention(m.by)}"
    )
    hint = f"Close it with `/incident action {incident.ref} {m.ref} done <how it was verified>`."
    return Message(
        text=fallback(f"{m.ref} of {incident.ref}: {m.text}"),
        blocks=[section(text), context(hint)],
    )


def done(incident: IncidentSnapshot, m: said.ActionItemDone) -> Message:
    text = (
        f":white_check_mark: *{m.ref}* ({incident.ref}) done: {escape(m.text)}\n"
        f"Verified: {escape(m.verification)} · closed by {mention(m.by)}"
    )
    return Message(text=fallback(f"{m.ref} of {incident.ref} done"), blocks=[section(text)])


def due(incident: IncidentSnapshot, m: said.ActionItemDue) -> Message:
    when = day(datetime.fromisoformat(m.due_at))
    state = f"was due {when} and is still open" if m.overdue else f"is due today ({when})"
    text = (
        f":alarm_clock: Your action item *{m.ref}* from *{incident.ref}* "
        f"({escape(incident.title)}) {state}:\n>{escape(m.text)}"
    )
    hint = (
        f"Done? `/incident action {incident.ref} {m.ref} done <how it was verified in "
        "production>`. I'll remind you weekly until then."
    )
    return Message(
        text=fallback(f"{m.ref} of {incident.ref} is due"), blocks=[section(text), context(hint)]
    )


def items_list(incident_ref: str, items: list[Item], now: datetime) -> Message:
    """Open items first (overdue marked, soonest due first), then those done."""
    if not items:
        hint = "Record one with `/incident action <text>`."
        return Message(text=f"{incident_ref} has no action items yet. {hint}")
    open_items = sorted((i for i in items if i.open), key=lambda i: (i.due_at, i.number))
    closed = sorted((i for i in items if not i.open), key=lambda i: i.number)
    lines = [_line(i, now) for i in [*open_items, *closed][:LISTED]]
    more = len(items) - len(lines)
    title = f"{incident_ref} action items ({len(open_items)} open)"
    blocks = [header(title), *sections("\n".join(lines), 20)]
    if more > 0:
        blocks.append(context(f"…and {more} more"))
    return Message(text=fallback(title), blocks=blocks)


def _line(item: Item, now: datetime) -> str:
    head = f"• *{item.ref}* {escape(item.text)} _({item.kind})_"
    if item.open:
        late = " :warning: *overdue*" if is_overdue(item.status, item.due_at, now) else ""
        return f"{head} · {mention(item.owner)} · due {day(item.due_at)}{late}"
    verified = escape(item.verification)
    return f":white_check_mark: {head} · done by {mention(item.done_by or '')}: {verified}"


def confirmation(text: str) -> Message:
    return Message(text=fallback(text), blocks=[section(text)])
