"""Text shown in Slack: escape what people typed so it can never become markup."""

import re

_MENTION = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """`<@U123>` for a well-formed user ID; anything else is shown escaped, never as markup."""
    return f"<@{user_id}>" if _MENTION.match(user_id) else escape(user_id)


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
