"""Words sent to Slack, as a visitor of the status page should read them: plain text.

Customer updates are rendered for Slack (mrkdwn, with `&`, `<` and `>` escaped). The page
shows the same words without Slack's markup: dates in the page's time zone, links as their
label and address, *bold* and _italic_ markers dropped, escapes undone (the page escapes again
for HTML, JSON or XML). Mentions of people and user groups become "our team", channel links
and broadcasts (`@here`) are dropped: they are Slack's, and name internal things.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_ANGLE = re.compile(r"<([^<>\n]*)>")
_EMPHASIS = [  # Slack's markers: at a word's edge, around text that does not start or end blank
    re.compile(rf"(?<![\w{m}]){re.escape(m)}(?=\S)([^\n{m}]*?\S){re.escape(m)}(?![\w{m}])")
    for m in ("*", "_", "~", "`")
]
# XML 1.0 allows none of these (nor lone surrogates); JSON and HTML are better off without them.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")  # runs left where markup was dropped; indents stay


def plain_text(text: str, zone: ZoneInfo) -> str:
    """`text` (Slack mrkdwn) as plain text; see the module's docstring."""
    text = _ANGLE.sub(lambda m: _angle(m.group(1), zone), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = _INVALID.sub("", text)
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def first_line(text: str) -> str:
    """The first line that says something: a post's heading."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """`22 Nov 2026, 02:30 UTC`: how the page shows a time."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def _angle(inner: str, zone: ZoneInfo) -> str:
    if inner.startswith("!date^"):
        return _date(inner, zone)
    if inner.startswith(("@", "!subteam^")):
        return "our team"
    if inner.startswith(("#", "!")):
        return ""
    address, _, label = inner.partition("|")
    if address.startswith(("https://", "http://", "mailto:")):
        shown = address.removeprefix("mailto:")
        return f"{label} ({shown})" if label and label != shown else shown
    return label or address


def _date(inner: str, zone: ZoneInfo) -> str:
    """`!date^1700000000^{date_short_pretty} at {time}|fallback`, in the page's zone."""
    head, _, fallback = inner.partition("|")
    try:
        moment = datetime.fromtimestamp(int(head.split("^")[1]), UTC)
    except (IndexError, ValueError, OverflowError, OSError):
        return fallback
    return local_time(moment, zone)
