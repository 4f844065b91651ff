"""Who may do what in an incident."""

from collections.abc import Collection

from app.domain.errors import NotAllowed
from app.domain.text import mention


def may_manage(user_id: str, commander_id: str | None, admins: Collection[str]) -> bool:
    """The commander and the configured admins steer the incident."""
    return user_id == commander_id or user_id in admins


def ensure_may_manage(
    user_id: str, commander_id: str | None, admins: Collection[str], action: str
) -> None:
    if may_manage(user_id, commander_id, admins):
        return
    who = f"the commander ({mention(commander_id)})" if commander_id else "the commander"
    if admins:
        who += " or a Warroom admin (" + ", ".join(mention(a) for a in sorted(admins)) + ")"
    raise NotAllowed(f"Sorry, only {who} can {action}. Ask them, or ask to be made commander.")
