"""Who may submit a form about an incident.

A form's private_metadata names the incident (its channel, a decision, a draft) and comes back
with the submission as sent; it is not proof that the submitter may act there. A public
incident is open to anyone in the workspace (anyone can join its channel and type the same
command), so the use case's own permission checks are enough. A private incident is open only
to the members of its channel, asked from Slack with conversations.members: that is who can
see it right now, including people invited without a role and excluding anyone removed since
(the role history would get both wrong).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.errors import NotAllowed
from app.services.lookup import IncidentAccess

log = logging.getLogger(__name__)
_PAGE = 1000


async def ensure_may_act(client: AsyncWebClient, access: IncidentAccess, user: str) -> None:
    if not access.private:
        return
    if access.channel_id and user in await _members(client, access.channel_id):
        return
    raise NotAllowed(
        f"{access.ref} is private: only the people in its channel can act on it. "
        "Ask its commander to invite you."
    )


async def _members(client: AsyncWebClient, channel_id: str) -> set[str]:
    members: set[str] = set()
    try:
        async for page in await client.conversations_members(channel=channel_id, limit=_PAGE):
            members.update(page.get("members", []))
    except SlackApiError as exc:  # cannot tell who is in it: nobody is let in
        log.warning("could not list the members of %s: %s", channel_id, exc.response.get("error"))
        return set()
    return members
