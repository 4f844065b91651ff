"""Who may do what in an incident.

Steering (roles, severity, status, resolving) belongs to the commander and the admins.
Speaking for the company (anything beyond the incident channel: business, executives,
customers, regulators) belongs to the comms holder and the commander, and, when `publishers`
is configured, only to those of them who are publishers; admins always may.
"""

from collections.abc import Collection
from dataclasses import dataclass

from app.domain.errors import NotAllowed
from app.domain.roles import COMMANDER, COMMS
from app.domain.text import mention

SPEAKING_ROLES = (COMMANDER, COMMS)  # nobody takes these for themselves


@dataclass(frozen=True)
class Publishers:
    """The `publishers` configuration: user IDs, and user group IDs whose members Slack knows.
    Empty means not configured: whoever the commander names comms may publish."""

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @property
    def configured(self) -> bool:
        return bool(self.users or self.groups)

    def mentions(self) -> list[str]:
        """Each user and each group, as Slack mentions (a group mention names the team)."""
        return [mention(u) for u in sorted(self.users)] + [
            f"<!subteam^{g}>" for g in sorted(self.groups)
        ]


def may_manage(user_id: str, commander_id: str | None, admins: Collection[str]) -> bool:
    """The commander and the configured admins steer the incident."""
    return user_id == commander_id or user_id in admins


def ensure_may_manage(
    user_id: str, commander_id: str | None, admins: Collection[str], action: str
) -> None:
    if may_manage(user_id, commander_id, admins):
        return
    raise NotAllowed(
        f"Sorry, only {_stewards(commander_id, admins)} can {action}. "
        "Ask them, or ask to be made commander."
    )


def ensure_may_take(
    role: str, role_title: str, commander_id: str | None, admins: Collection[str]
) -> None:
    """Commander and comms are given, never taken: the person speaks for the incident (and,
    for comms, for the company)."""
    if role not in SPEAKING_ROLES:
        return
    raise NotAllowed(
        f"Sorry, nobody takes the {role_title} role for themselves: "
        f"{_stewards(commander_id, admins)} names who holds it "
        f"(`/incident assign {role} @person`). Ask them."
    )


def may_publish_widely(
    actor: str,
    *,
    comms: str | None,
    commander: str | None,
    admins: Collection[str],
    publishers: Collection[str] | None,
) -> bool:
    """Whether `actor` may publish beyond the incident channel. `publishers` holds everyone
    the configuration names (groups expanded), or None when it names nobody."""
    if actor in admins:
        return True
    if actor not in (comms, commander):
        return False
    return publishers is None or actor in publishers


def publishing_rule(configured: Publishers) -> str:
    """The rule in a few words, shown beside the audiences someone may not choose."""
    if configured.configured:
        return "comms or commander if a publisher, or admins"
    return "comms, commander or admins only"


def publishing_refusal(
    comms: str | None, commander: str | None, admins: Collection[str], configured: Publishers
) -> str:
    """Who may publish beyond the incident channel, for someone who may not."""
    holders = [f"the comms holder ({mention(comms)})" if comms else "the comms holder"]
    holders.append(f"the commander ({mention(commander)})" if commander else "the commander")
    who = " or ".join(holders)
    if configured.configured:
        who += ", when they are publishers (" + ", ".join(configured.mentions()) + "),"
    admin = "a Warroom admin" + (f" ({_listed(admins)})" if admins else "")
    return f"Sorry, only {who} or {admin} can publish beyond the incident channel."


def ensure_may_hold_comms(
    user_id: str,
    admins: Collection[str],
    publishers: Collection[str] | None,
    configured: Publishers,
) -> None:
    """With publishers configured, comms (who speaks for the company) is one of them."""
    if publishers is None or user_id in publishers or user_id in admins:
        return
    raise NotAllowed(
        f"{mention(user_id)} can't hold the Comms role: comms speaks for the company to "
        "customers, regulators and executives, so only a publisher ("
        + ", ".join(configured.mentions())
        + ") or a Warroom admin may. Name one of them."
    )


def publishing_contacts(
    comms: str | None, commander: str | None, configured: Publishers
) -> list[str]:
    """Mentions of who to ask for an update beyond the incident channel: people who can
    publish it. Without publishers configured, comms and the commander; with them, comms
    (always a publisher) or, while nobody holds comms, the publishers themselves."""
    if not configured.configured:
        return [mention(p) for p in dict.fromkeys((comms, commander)) if p]
    return [mention(comms)] if comms else configured.mentions()


def _stewards(commander_id: str | None, admins: Collection[str]) -> str:
    who = f"the commander ({mention(commander_id)})" if commander_id else "the commander"
    if admins:
        who += f" or a Warroom admin ({_listed(admins)})"
    return who


def _listed(users: Collection[str]) -> str:
    return ", ".join(mention(u) for u in sorted(users))
