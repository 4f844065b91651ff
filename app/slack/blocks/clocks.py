"""The regulatory clocks of an incident, as `/incident clocks` answers."""

from __future__ import annotations

from datetime import datetime

from app.domain.regulatory_clocks import NOTIFIED, RUNNING, notified_state, time_left
from app.domain.text import escape, mention
from app.persistence.tables import RegulatoryClock
from app.services.regulatory_clocks import Flagged, Listed
from app.slack.blocks.common import Message, context, fallback, header, sections


def clocks_list(found: Listed) -> Message:
    lines = [_line(c, found.now) for c in found.clocks]
    body = "\n".join(lines) if lines else "No regulatory clock has been flagged."
    return Message(
        text=fallback(f"{found.incident_ref} regulatory clocks"),
        blocks=[
            header(f"{found.incident_ref} regulatory clocks"),
            *sections(body, 8),
            context(f"Can be flagged: {found.kinds.described()}."),
            context(
                '`/incident flag <clock> [--aware-since "2026-11-30 02:10"]` (UTC unless a zone '
                "is given) · `/incident notified <clock> <reference>` · "
                "`/incident unflag <clock> <reason>`"
            ),
        ],
    )


def _line(clock: RegulatoryClock, now: datetime) -> str:
    due = _date(clock.due_at)
    head = f"• *{escape(clock.label)}* (`{escape(clock.clock)}`)"
    flagged = f"flagged by {mention(clock.flagged_by)}, aware since {_date(clock.started_at)}"
    if clock.status == RUNNING:
        state = f":alarm_clock: *{time_left(clock.due_at, now)}* (notify by {due})"
    elif clock.status == NOTIFIED and clock.notified_at is not None:
        state = (
            f":white_check_mark: {notified_state(clock.due_at, clock.notified_at)} "
            f"({_date(clock.notified_at)}, by {mention(clock.notified_by or '')}, reference "
            f"`{escape(clock.reference)}`)"
        )
    else:
        state = (
            f":no_bell: unflagged by {mention(clock.unflagged_by or '')}: "
            f"{escape(clock.unflag_reason)}"
        )
    return f"{head}: {state}; {flagged}"


def flagged_reply(done: Flagged) -> Message:
    """To the person who flagged it: how the start time was understood, and the deadline."""
    return Message(
        text=fallback(
            f":alarm_clock: Started the *{escape(done.label)}* clock of {done.incident_ref}: "
            f"aware since {done.started_at:%Y-%m-%d %H:%M} UTC, notify the authority by "
            f"{done.due_at:%Y-%m-%d %H:%M} UTC ({done.left})."
            + ("" if done.holder else f" Nobody holds the {done.notify_role} role yet.")
        )
    )


def _date(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^{{date_short}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"
