"""`warroom report` written out: plain text, CSV (one number per row) or a self-contained HTML
page with inline SVG charts (no scripts, nothing fetched: readable offline, e.g. attached to a
quarterly review)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from html import escape

from app.domain.durations import humanize
from app.domain.metrics import Summary
from app.domain.regulatory_clocks import ClockRow
from app.domain.report import TIMES, AudienceRow, FollowUps, GroupRow, Report, Section

NOT_TRACKED = "not tracked yet"
PALETTE = ("#b3261e", "#e8710a", "#f9ab00", "#1e8e3e", "#1a73e8", "#9334e6")


def _time(value: timedelta | None) -> str:
    return humanize(value) if value is not None else "–"


def _mean_median(s: Summary) -> str:
    return f"{_time(s.mean)} / {_time(s.median)}" if s.count else "–"


def _share(row: AudienceRow) -> str:
    share = row.share_on_schedule
    return f"{share:.0%} ({row.on_schedule}/{row.scheduled})" if share is not None else "–"


def _follow_up_lines(f: FollowUps) -> list[str]:
    if f.postmortems_due is None:
        postmortems = NOT_TRACKED
    else:
        postmortems = f"{f.postmortems_on_time} of {f.postmortems_due} on time"
    if f.actions_opened is None:
        actions = NOT_TRACKED
    else:
        actions = f"{f.actions_opened} opened, {f.actions_done} done, {f.actions_overdue} overdue"
    return [f"Post-mortems: {postmortems}", f"Action items: {actions}"]


def _clock_lines(rows: Sequence[ClockRow]) -> list[str]:
    """Regulatory clocks of the period's incidents: whether each deadline was met."""
    if not rows:
        return ["Regulatory clocks: none flagged"]
    return ["Regulatory clocks:"] + [
        f"  {r.label} ({r.key}): {r.flagged} flagged, {r.met} met, {r.missed} missed, "
        f"{r.running} running, {r.unflagged} unflagged"
        for r in rows
    ]


# --- text ------------------------------------------------------------------------------------

GROUP_HEAD = ["", "n", "reopened"] + [f"{title} (mean / median)" for _, title in TIMES]
AUDIENCE_HEAD = ["audience", "incidents", "updates", "on schedule", "longest silence", "useful"]


def text(report: Report) -> str:
    lines = [
        f"Warroom report {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d}",
        f"{report.incidents.overall.incidents} incidents, {report.drills.overall.incidents} drills",
        "",
    ]
    for section in (report.incidents, report.drills):
        lines += _text_section(section)
    lines += _follow_up_lines(report.follow_ups)
    lines += _clock_lines(report.clocks)
    return "\n".join(lines) + "\n"


def _text_section(section: Section) -> list[str]:
    lines = [f"== {section.title} =="]
    for title, rows in _groups(section):
        lines += ["", title, *_table(GROUP_HEAD, [_group_cells(r) for r in rows])]
    lines += ["", "Updates per audience"]
    lines += _table(AUDIENCE_HEAD, [_audience_cells(a) for a in section.audiences])
    return [*lines, ""]


def _groups(section: Section) -> Iterator[tuple[str, list[GroupRow]]]:
    yield "Overall", [section.overall]
    yield "By severity", section.by_severity
    yield "By business function", section.by_function
    yield "By system", section.by_system


def _group_cells(row: GroupRow) -> list[str]:
    times = [_mean_median(row.times[key]) for key, _ in TIMES]
    return [row.group, str(row.incidents), str(row.reopened), *times]


def _audience_cells(row: AudienceRow) -> list[str]:
    votes = f"{row.useful} 👍 {row.not_useful} 👎"
    return [
        row.audience,
        str(row.incidents),
        str(row.updates),
        _share(row),
        _mean_median(row.silence),
        votes,
    ]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]
    ]


# --- CSV -------------------------------------------------------------------------------------

CSV_HEAD = ["section", "grouping", "group", "metric", "count", "mean_minutes", "median_minutes"]


def as_csv(report: Report) -> str:
    """One number per row, durations in minutes, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEAD)
    for section in (report.incidents, report.drills):
        for grouping, rows in _groups(section):
            for row in rows:
                writer.writerow([section.title, grouping, row.group, "incidents", row.incidents])
                writer.writerow([section.title, grouping, row.group, "reopened", row.reopened])
                for key, _ in TIMES:
                    s = row.times[key]
                    cells = [s.count, _minutes(s.mean), _minutes(s.median)]
                    writer.writerow([section.title, grouping, row.group, f"time_to_{key}", *cells])
        for a in section.audiences:
            base = [section.title, "audience", a.audience]
            writer.writerow([*base, "updates", a.updates])
            writer.writerow([*base, "updates_on_schedule", a.on_schedule])
            writer.writerow([*base, "updates_with_due_time", a.scheduled])
            silence = [a.silence.count, _minutes(a.silence.mean), _minutes(a.silence.median)]
            writer.writerow([*base, "longest_silence", *silence])
            writer.writerow([*base, "votes_useful", a.useful])
            writer.writerow([*base, "votes_not_useful", a.not_useful])
    f = report.follow_ups
    for metric, value in (
        ("postmortems_due", f.postmortems_due),
        ("postmortems_on_time", f.postmortems_on_time),
        ("action_items_opened", f.actions_opened),
        ("action_items_done", f.actions_done),
        ("action_items_overdue", f.actions_overdue),
    ):
        writer.writerow(
            ["Incidents", "follow-up", "all", metric, NOT_TRACKED if value is None else value]
        )
    for clock in report.clocks:
        for metric in ("flagged", "met", "missed", "running", "unflagged"):
            count = getattr(clock, metric)
            writer.writerow(["Incidents", "regulatory clock", clock.key, f"clocks_{metric}", count])
    return out.getvalue()


def _minutes(value: timedelta | None) -> str:
    return f"{value.total_seconds() / 60:.1f}" if value is not None else ""


# --- HTML ------------------------------------------------------------------------------------


def html(report: Report) -> str:
    title = f"Warroom report {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;color:#202124}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #dadce0;padding:.3em .6em;text-align:left}"
        "th{background:#f1f3f4}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{report.incidents.overall.incidents} incidents, "
        f"{report.drills.overall.incidents} drills.</p>",
        "<h2>Incidents per week, by severity</h2>",
        weekly_svg(report),
        "<h2>Time to contain (median per week)</h2>",
        contain_svg(report),
    ]
    for section in (report.incidents, report.drills):
        parts.append(f"<h2>{escape(section.title)}</h2>")
        for grouping, rows in _groups(section):
            parts += [
                f"<h3>{escape(grouping)}</h3>",
                _html_table(GROUP_HEAD, [_group_cells(r) for r in rows]),
            ]
        parts += [
            "<h3>Updates per audience</h3>",
            _html_table(AUDIENCE_HEAD, [_audience_cells(a) for a in section.audiences]),
        ]
    parts += ["<h2>Follow-up</h2>", "<ul>"]
    parts += [f"<li>{escape(line)}</li>" for line in _follow_up_lines(report.follow_ups)]
    parts += ["</ul>", "<h2>Regulatory clocks</h2>", _clocks_table(report.clocks)]
    parts += ["</body></html>"]
    return "\n".join(parts) + "\n"


def _clocks_table(rows: Sequence[ClockRow]) -> str:
    head = ["clock", "name", "flagged", "met", "missed", "running", "unflagged"]
    cells = [
        [r.label, r.key, *(str(n) for n in (r.flagged, r.met, r.missed, r.running, r.unflagged))]
        for r in rows
    ]
    return _html_table(head, cells)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p>(none)</p>"
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


WIDTH, HEIGHT, PAD = 720, 220, 30


def weekly_svg(report: Report) -> str:
    """Stacked bars: one per week, one colour per severity, with a legend."""
    weeks = report.weeks
    most = max((sum(c.values()) for _, c in weeks), default=0) or 1
    bar = (WIDTH - 2 * PAD) / max(len(weeks), 1)
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(report.severities)}
    shapes = []
    for i, (week, counts) in enumerate(weeks):
        y: float = HEIGHT - PAD
        for severity in report.severities:
            n = counts.get(severity, 0)
            if not n:
                continue
            h = n / most * (HEIGHT - 2 * PAD)
            y -= h
            shapes.append(
                f'<rect x="{PAD + i * bar:.1f}" y="{y:.1f}" width="{bar * 0.8:.1f}" '
                f'height="{h:.1f}" fill="{colour[severity]}">'
                f"<title>{week:%Y-%m-%d} {escape(severity)}: {n}</title></rect>"
            )
    legend = [
        f'<text x="{PAD + 70 * i}" y="14" fill="{colour[s]}" font-size="12">■ {escape(s)}</text>'
        for i, s in enumerate(report.severities)
    ]
    return _svg([*legend, *shapes, *_axes(weeks, str(most))], "incidents per week by severity")


def contain_svg(report: Report) -> str:
    """Bars of the median time to contain per week (weeks with none are gaps)."""
    weeks = report.contain_by_week
    known = [t for _, t in weeks if t is not None]
    most = max(known, default=timedelta(0)).total_seconds() or 1
    bar = (WIDTH - 2 * PAD) / max(len(weeks), 1)
    shapes = []
    for i, (week, value) in enumerate(weeks):
        if value is None:
            continue
        h = value.total_seconds() / most * (HEIGHT - 2 * PAD)
        shapes.append(
            f'<rect x="{PAD + i * bar:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar * 0.8:.1f}" '
            f'height="{h:.1f}" fill="#1a73e8"><title>{week:%Y-%m-%d}: {humanize(value)}</title>'
            "</rect>"
        )
    top = humanize(timedelta(seconds=most)) if known else "0"
    return _svg([*shapes, *_axes(weeks, top)], "median time to contain per week")


def _axes(weeks: Sequence[tuple[datetime, object]], top: str) -> list[str]:
    bottom = HEIGHT - PAD
    out = [
        f'<line x1="{PAD}" y1="{bottom}" x2="{WIDTH - PAD}" y2="{bottom}" stroke="#5f6368"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{bottom}" stroke="#5f6368"/>',
        f'<text x="2" y="{PAD + 4}" font-size="10">{escape(top)}</text>',
    ]
    if weeks:
        first, last = weeks[0][0], weeks[-1][0]
        out.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10">{first:%Y-%m-%d}</text>')
        out.append(
            f'<text x="{WIDTH - PAD - 60}" y="{HEIGHT - 8}" font-size="10">{last:%Y-%m-%d}</text>'
        )
    return out


def _svg(shapes: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
        + "".join(shapes)
        + "</svg>"
    )


FORMATS = {"text": text, "csv": as_csv, "html": html}
