"""Who may speak for the company, with user groups expanded into their members.

The `publishers` configuration may name Slack user groups (the communications team); their
members are asked from Slack through a small interface, so use cases can be run without it.
"""

from __future__ import annotations

from typing import Protocol

from app.domain.permissions import Publishers


class UserGroups(Protocol):
    def members_of(self, group_id: str) -> frozenset[str]:
        """The group's current members (kept briefly; never raises: unknown means empty)."""
        ...


class NoUserGroups:
    """Without Slack every group is empty: only the users named outright publish."""

    def members_of(self, group_id: str) -> frozenset[str]:
        return frozenset()


def everyone_who_publishes(publishers: Publishers, groups: UserGroups) -> frozenset[str] | None:
    """Every publisher, groups expanded; None when `publishers` is not configured."""
    if not publishers.configured:
        return None
    members = [groups.members_of(group) for group in sorted(publishers.groups)]
    return publishers.users.union(*members)
