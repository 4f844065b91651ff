"""People's names, for the words that leave Slack (an email shows "Dana Lee", not a mention).

Read with users.info and kept for the life of the process: names change rarely, and a stale
one in an email is harmless. When Slack does not answer, the name is unknown (None) and the
email shows the mention as `@U…` rather than wait.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.slack.api_errors import slack_error_code

log = logging.getLogger(__name__)
MAX_KEPT = 2000


class SlackNames:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._known: dict[str, str] = {}

    async def __call__(self, user_id: str) -> str | None:
        if user_id in self._known:
            return self._known[user_id]
        try:
            answer = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("no name for %s: Slack said %s", user_id, slack_error_code(exc))
            return None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("no name for %s: %s", user_id, type(exc).__name__)
            return None
        name = _name(answer.get("user") or {})
        if name:
            if len(self._known) >= MAX_KEPT:
                self._known.clear()
            self._known[user_id] = name
        return name


def _name(user: dict[str, Any]) -> str | None:
    profile = user.get("profile") or {}
    for name in (profile.get("real_name"), user.get("real_name"), profile.get("display_name")):
        if name and str(name).strip():
            return str(name).strip()
    return str(user["name"]) if user.get("name") else None
