"""Members of Slack user groups (usergroups.users.list), kept for a few minutes.

The `publishers` configuration may name a user group (the communications team). Every
publish checks it, so members are kept for KEEP_FOR rather than asked for each time. The use
cases call this from their worker threads, outside any transaction, hence the synchronous
client.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.clock import Clock

log = logging.getLogger(__name__)
KEEP_FOR = timedelta(minutes=5)


class SlackUserGroups:
    def __init__(self, client: WebClient, clock: Clock, keep_for: timedelta = KEEP_FOR) -> None:
        self.client = client
        self.clock = clock
        self.keep_for = keep_for
        self._known: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members_of(self, group_id: str) -> frozenset[str]:
        now = self.clock.now()
        with self._lock:
            known = self._known.get(group_id)
        if known is not None and now - known[0] < self.keep_for:
            return known[1]
        members = self._ask(group_id)
        if members is None:  # Slack did not answer: the last known members, or nobody
            return known[1] if known is not None else frozenset()
        with self._lock:
            self._known[group_id] = (now, members)
        return members

    def _ask(self, group_id: str) -> frozenset[str] | None:
        try:
            response = self.client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning("could not read the members of user group %s: %s", group_id, error)
            return None
        except OSError as exc:
            log.warning("could not read the members of user group %s: %r", group_id, exc)
            return None
        return frozenset(str(u) for u in response.get("users") or [])
