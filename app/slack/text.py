"""Slack's escaped text, as it arrives in commands, turned into plain text to store.

What is stored is plain; everything shown in Slack is escaped again on the way out, so a
title like `<!channel>` can never ping anyone.
"""

from __future__ import annotations

import re

USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_MARKUP = re.compile(r"<([^<>]*)>")


def to_plain(text: str) -> str:
    """`<@U1|ann> said <!here>, see <#C1|ops> &amp; <https://x|docs>` becomes
    `@ann said @here, see #ops & docs (https://x)`."""
    return _unescape(_MARKUP.sub(_plain_markup, text)).strip()


def _plain_markup(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        return label if label.startswith("@") else "@" + (label or special)
    if label and label != target:
        return f"{label} ({target})"
    return target


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_id_from_mention(token: str) -> str | None:
    match = USER_MENTION.match(token.strip())
    return match.group(1) if match else None
