"""Warroom's App Home: decisions waiting on you, your roles, your action items, active
incidents by severity.

Slack allows 100 blocks in a Home tab; incidents are packed several to a section and, past
the budget, summarised ("…and 37 more") rather than overflowing."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from app.domain.durations import humanize
from app.domain.metrics import Summary
from app.domain.text import escape_within, mention
from app.services.home import HomeData, HomeIncident
from app.slack.blocks.common import Block, context, divider, header, section

MAX_BLOCKS = 100
LINES_PER_SECTION = 12
CLOCKS_PER_LINE = 2  # regulatory clocks shown under an incident


def home_view(home: HomeData) -> dict[str, Any]:
    blocks: list[Block] = [header("Warroom")]
    blocks += _decisions(home)
    blocks += _roles(home)
    blocks += _action_items(home)
    blocks += _last_90_days(home)
    blocks.append(divider())
    blocks += _drills(home)
    blocks += _incidents(home, MAX_BLOCKS - len(blocks))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _last_90_days(home: HomeData) -> list[Block]:
    h = home.last_90_days
    if h is None:
        return []
    if not h.incidents:
        return [section(f"*Last 90 days:* no incidents ({h.drills} drills).")]
    share = h.share_on_schedule
    on_time = f"{share:.0%} of updates on schedule" if share is not None else "updates: –"
    return [
        section(
            f"*Last 90 days:* {h.incidents} incidents, {h.drills} drills · "
            f"median time to contain {_median(h.contain)} · to resolve {_median(h.resolve)} · "
            f"{on_time}"
        ),
        context("Details: `warroom report`"),
    ]


def _median(summary: Summary) -> str:
    return humanize(summary.median) if summary.median is not None else "–"


def _link(incident: HomeIncident) -> str:
    return f"<#{incident.channel_id}>" if incident.channel_id else incident.ref


def _decisions(home: HomeData) -> list[Block]:
    if not home.my_decisions:
        return [section("*Decisions waiting on you:* none.")]
    lines = []
    for d in home.my_decisions[:LINES_PER_SECTION]:
        late = " :warning: *overdue*" if d.due_at < home.now else ""
        where = f"<#{d.channel_id}>" if d.channel_id else d.incident_ref
        due = f"<!date^{int(d.due_at.timestamp())}^{{time}}|{d.due_at:%H:%M} UTC>"
        lines.append(
            f"• *{d.ref}* ({d.incident_ref} {where}) {escape_within(d.question, 150)}"
            f" · due {due}{late}"
        )
    more = len(home.my_decisions) - len(lines)
    tail = [context(f"…and {more} more")] if more > 0 else []
    return [section("*Decisions waiting on you*\n" + "\n".join(lines)), *tail]


def _roles(home: HomeData) -> list[Block]:
    if not home.my_roles:
        return [section("*Your roles:* none right now.")]
    lines = [
        f"• {role.replace('-', ' ').title()} in *{i.ref}* {_link(i)}"
        for i, role in home.my_roles[:LINES_PER_SECTION]
    ]
    return [section("*Your roles*\n" + "\n".join(lines))]


def _action_items(home: HomeData) -> list[Block]:
    """Open items owned across incidents, resolved ones included; soonest due (overdue) first."""
    if not home.my_action_items:
        return []
    lines = []
    for item in home.my_action_items[:LINES_PER_SECTION]:
        late = " :warning: *overdue*" if item.due_at <= home.now else ""
        where = f" <#{item.channel_id}>" if item.channel_id else ""
        due = f"<!date^{int(item.due_at.timestamp())}^{{date_short}}|{item.due_at:%Y-%m-%d}>"
        lines.append(
            f"• *{item.ref}* ({item.incident_ref}{where}) {escape_within(item.text, 150)}"
            f" · due {due}{late}"
        )
    more = (
        " (and more: `/incident actions INC-n` lists an incident's)"
        if len(home.my_action_items) > len(lines)
        else ""
    )
    return [section("*My action items*" + more + "\n" + "\n".join(lines))]


def _drills(home: HomeData) -> list[Block]:
    """Drills under way, on one line: they are not incidents, so not counted among them."""
    if not home.drills:
        return []
    shown = ", ".join(f"*{i.ref}* {_link(i)}" for i in home.drills[:LINES_PER_SECTION])
    return [context(f":man-running: Drills under way: {shown}")]


def _incidents(home: HomeData, budget: int) -> list[Block]:
    active = home.active
    if not active:
        return [section("*No active incidents.* :sunny:")]
    blocks: list[Block] = [header(f"Active incidents ({len(active)})")]
    ordered = sorted(active, key=lambda i: (i.severity.rank, -i.number))
    groups = [(sev, list(items)) for sev, items in groupby(ordered, key=lambda i: i.severity.key)]
    for n, (_, items) in enumerate(groups):
        room = (budget - len(blocks)) // (len(groups) - n)  # a fair share for each severity
        blocks += _group(home, items, max(room, 2))
    return blocks


def _group(home: HomeData, items: list[HomeIncident], room: int) -> list[Block]:
    severity = items[0].severity
    shown = items[: max(room - 2, 1) * LINES_PER_SECTION]  # lines are drawn only for these
    lines = [_line(home, i) for i in shown]
    chunks = [lines[k : k + LINES_PER_SECTION] for k in range(0, len(lines), LINES_PER_SECTION)]
    blocks: list[Block] = [context(f"*{severity.key.upper()} · {severity.label}* ({len(items)})")]
    blocks += [section("\n".join(chunk)) for chunk in chunks]
    hidden = len(items) - len(shown)
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more {severity.key.upper()} incidents"))
    return blocks


def _line(home: HomeData, incident: HomeIncident) -> str:
    commander = mention(incident.commander) if incident.commander else "_no commander_"
    age = humanize(home.now - incident.declared_at)
    line = (
        f"*{incident.ref}* {_link(incident)} {escape_within(incident.title, 60)} · "
        f"{incident.status} · IC {commander} · {age}"
    )
    if incident.next_update:
        at = (
            f"<!date^{int(incident.next_update.timestamp())}^{{time}}|{incident.next_update:%H:%M}>"
        )
        late = " :warning: *overdue*" if incident.next_update < home.now else ""
        line += f" · next update {at}{late}"
    if incident.private:
        line += " · :lock:"
    for clock in incident.clocks[:CLOCKS_PER_LINE]:
        late = " :warning:" if clock.overdue(home.now) else ""
        line += f"\n:alarm_clock: {escape_within(clock.label, 60)}: *{clock.left(home.now)}*{late}"
    if incident.functions:
        line += f"\n_Affects {escape_within(', '.join(incident.functions), 200)}_"
    return line
