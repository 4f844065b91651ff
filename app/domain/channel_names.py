"""Slack channel names for incidents: `inc-<number>-<slug of title>`, and `drill-<number>-…` for
drills (an exercise must never be mistaken for a real incident in the channel list)."""

import re
import unicodedata

MAX_LENGTH = 80  # Slack's limit
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by hyphens; accents folded, other scripts and emoji dropped."""
    folded = unicodedata.normalize("NFKD", title)
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ALLOWED.sub("-", ascii_only.replace("_", "-"))
    return _DASHES.sub("-", slug).strip("-_")


def channel_prefix(number: int, *, drill: bool = False) -> str:
    return f"{'drill' if drill else 'inc'}-{number}"


def incident_channel_name(number: int, title: str, attempt: int = 1, *, drill: bool = False) -> str:
    """A valid, at most 80-character name; `attempt` > 1 adds a suffix after a name clash.

    Titles with nothing left after folding (Japanese, emoji only) fall back to `inc-<number>`.
    """
    prefix = channel_prefix(number, drill=drill)
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = MAX_LENGTH - len(prefix) - len(suffix) - 1
    slug = _trim_at_word(slugify(title), room)
    return f"{prefix}-{slug}{suffix}" if slug else f"{prefix}{suffix}"


def _trim_at_word(slug: str, room: int) -> str:
    if len(slug) <= room:
        return slug
    cut = slug[:room]
    if "-" in cut and slug[room] != "-":
        cut = cut.rsplit("-", 1)[0]
    return cut.strip("-_")
