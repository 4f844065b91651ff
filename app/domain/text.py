"""Text shown in Slack: escape what people typed so it can never become markup."""

import re
from collections.abc import Iterable

_MENTION = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """`<@U123>` for a well-formed user ID; anything else is shown escaped, never as markup."""
    return f"<@{user_id}>" if _MENTION.match(user_id) else escape(user_id)


def with_mentions(text: str, people: Iterable[str]) -> str:
    """`text` escaped, with these user IDs (ones the app wrote itself) shown as mentions; an ID
    a person typed stays plain text."""
    ids = sorted({p for p in people if _MENTION.match(p)}, key=len, reverse=True)
    escaped = escape(text)
    if not ids:
        return escaped
    pattern = re.compile(r"\b(" + "|".join(re.escape(i) for i in ids) + r")\b")
    return pattern.sub(r"<@\1>", escaped)


_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")


def owner_mention(owner: str) -> str:
    """A user (`<@U…>`) or a user group (`<!subteam^S…>`), as configured in the catalog."""
    return f"<!subteam^{owner}>" if _GROUP.match(owner) else mention(owner)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def escape_within(text: str, limit: int) -> str:
    """Escaped text of at most `limit` characters, never cut inside an escape sequence."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept, used = [], 0
    for char in text:
        piece = escape(char)
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + "…"


# Slack tokens: bot/user/legacy (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-…) and app-level (xapp-).
_SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")


def redact(text: str) -> str:
    """Anything shaped like a Slack token replaced, before text reaches a log or the database."""
    return _SLACK_TOKEN.sub("[redacted]", text)


# Line breaks of every kind; kept (as \n) in multi-line fields, a space elsewhere.
_LINE_BREAKS = (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)
# Bidirectional controls: they make text display in a different order from what it says.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _cleaning(multiline: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]:  # C0, DEL, C1: NUL breaks PostgreSQL
        table[code] = " " if chr(code).isspace() else None
    for code in _LINE_BREAKS:
        table[code] = "\n" if multiline else " "
    for code in [*_BIDI, *range(0xD800, 0xE000)]:  # and lone surrogates, which cannot be stored
        table[code] = None
    return table


_ONE_LINE, _MULTILINE = _cleaning(multiline=False), _cleaning(multiline=True)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """What people typed, without control characters and bidirectional overrides; line breaks
    stay in a multi-line field and become spaces in a one-line one. Applied where commands
    and form values are read, so everything behind that edge gets clean text."""
    return text.replace("\r\n", "\n").translate(_MULTILINE if multiline else _ONE_LINE)


def link(url: str | None, label: str) -> str:
    """`<url|label>` for an http(s) URL with nothing in it that could end the link early;
    otherwise the label alone. Both come from outside (alerts), so both are escaped."""
    shown = escape(label).replace("|", "¦")
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "<>| \n"):
        return shown
    return f"<{escape(url)}|{shown}>"
