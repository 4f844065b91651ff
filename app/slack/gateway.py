"""Carries out outbox rows against Slack's Web API and classifies what went wrong.

Every Slack write the app makes on its own initiative goes through here. Posts carry their
outbox id in message metadata, so a retry after an uncertain attempt first looks in the channel
and adopts the message it finds instead of posting it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.domain.channel_names import channel_prefix, incident_channel_name
from app.domain.drills import MARK, marked
from app.domain.incident import IncidentSnapshot
from app.services import outbox_messages as said
from app.services.context import Op
from app.services.delivery import (
    CannotRender,
    GiveUp,
    RetryLater,
    Work,
    describe_error,
    retry_delay,
)
from app.slack.api_errors import retry_after, slack_error_code, slack_status
from app.slack.blocks.common import Message, drill_marked
from app.slack.blocks.home import home_view
from app.slack.messages import MessageBook
from app.slack.responder import Responder
from app.slack.text import to_plain

log = logging.getLogger(__name__)
METADATA_EVENT = "warroom_outbox"
_TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_ALREADY_DONE = {"already_in_channel", "already_pinned", "cant_invite_self"}
_MAX_NAME_ATTEMPTS = 25
# Persists one finished step of a multi-step row (see SlackGateway._step).
StepRecorder = Callable[[Work, str, dict[str, Any]], Awaitable[None]]
Step = Callable[[], Awaitable[dict[str, Any]]]


def classify(exc: SlackApiError, attempts: int) -> Exception:
    """Retry what may work later (429 honouring Retry-After, 5xx, an answer that was not
    Slack's JSON); give up on what Slack refused."""
    status, error = slack_status(exc) or 0, slack_error_code(exc)
    if status == 429 or error == "ratelimited":
        wait = int(retry_after(exc) or 1)
        delay = timedelta(seconds=max(wait, 1))
        return RetryLater(delay, "ratelimited", landed=False, rate_limited=True)
    if status >= 500 or error in _TRANSIENT or not error:
        return RetryLater(retry_delay(attempts), f"slack {status} {error}", landed=None)
    return GiveUp(error)


class SlackGateway:
    def __init__(
        self,
        client: AsyncWebClient,
        book: MessageBook,
        responder: Responder,
        record_step: StepRecorder | None = None,
    ) -> None:
        self.client = client
        self.book = book
        self.responder = responder
        self.record_step = record_step
        self._bot_user_id: str | None = None
        self._ops: dict[str, Callable[[Work], Awaitable[dict[str, Any]]]] = {
            Op.CREATE_CHANNEL: self._create_channel,
            Op.INVITE: self._invite,
            Op.POST: self._post,
            Op.UPDATE: self._update_posted,
            Op.REFRESH_HOME: self._publish_home,
            Op.REFRESH: self._refresh,
            Op.RESPOND: self._respond,
            Op.READ_PINNED: self._read_pinned,
            Op.UPLOAD: self._upload,
        }

    async def deliver(self, work: Work) -> dict[str, Any]:
        try:
            return await self._ops[work.op](work)
        except SlackApiError as exc:
            raise classify(exc, work.attempts) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"network: {describe_error(exc)}"
            raise RetryLater(retry_delay(work.attempts), error, landed=None) from exc

    def _render_row(self, work: Work) -> Message:
        """The row's message, rendered; one that cannot be rendered never will be."""
        try:
            message = said.decode(work.payload)
        except said.Undeliverable as exc:
            raise CannotRender(str(exc)) from exc
        rendered = self._render(message, work.incident)
        return drill_marked(rendered) if work.drill else rendered

    def _render(self, message: said.Said, incident: IncidentSnapshot | None) -> Message:
        try:
            return self.book.render(message, incident)
        except Exception as exc:  # a bug or a template broken on disk: give up, and tell
            raise CannotRender(f"{message.KIND}: {describe_error(exc)}") from exc

    async def _step(self, work: Work, name: str, act: Step, *, more: bool = True) -> dict[str, Any]:
        """One step of a row that makes several Slack calls. A step an earlier attempt finished
        is skipped; a finished step is recorded before the next begins (`more`), so a retry
        after a 429 on the pin never posts the message again."""
        if name in work.progress:
            return dict(work.progress[name])
        result = await act()
        if more:
            await self._remember(work, name, result)
        return result

    async def _remember(self, work: Work, name: str, result: dict[str, Any]) -> None:
        if self.record_step is not None and name not in work.progress:
            await self.record_step(work, name, result)
        work.progress[name] = result

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            self._bot_user_id = str((await self.client.auth_test())["user_id"])
        return self._bot_user_id

    # --- the incident channel -------------------------------------------------------------

    async def _create_channel(self, work: Work) -> dict[str, Any]:
        incident = _need(work.incident)
        if work.maybe_sent:
            prefix = channel_prefix(incident.number, drill=incident.drill)
            found = await self._own_channel(prefix, incident.declared_at)
            if found:
                return found
        for attempt in range(1, _MAX_NAME_ATTEMPTS + 1):
            name = incident_channel_name(
                incident.number, incident.title, attempt, drill=incident.drill
            )
            try:
                response = await self.client.conversations_create(
                    name=name, is_private=incident.private
                )
            except SlackApiError as exc:
                if slack_error_code(exc) == "name_taken":
                    continue
                raise
            return {"channel": response["channel"]["id"], "name": name}
        raise GiveUp(f"every channel name for INC-{incident.number} is taken")

    async def _own_channel(self, prefix: str, declared_at: datetime) -> dict[str, Any] | None:
        """A channel this bot created for this incident (`inc-N…`, or `drill-N…`) on an
        attempt whose answer was lost."""
        me = await self.bot_user_id()
        earliest = declared_at.timestamp() - 60
        async for page in await self.client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000
        ):
            for channel in page["channels"]:
                name = channel["name"]
                ours = channel.get("creator") == me and channel.get("created", 0) >= earliest
                if ours and (name == prefix or name.startswith(prefix + "-")):
                    return {"channel": channel["id"], "name": name}
        return None

    async def _invite(self, work: Work) -> dict[str, Any]:
        me = await self.bot_user_id()
        users = [u for u in work.payload.get("users", []) if u != me]
        if not users:
            return {"invited": []}
        try:
            await self.client.conversations_invite(
                channel=_need(work.target), users=",".join(users)
            )
        except SlackApiError as exc:
            if slack_error_code(exc) not in _ALREADY_DONE:
                raise
        return {"invited": users}

    async def _pin(self, channel: str, ts: str) -> dict[str, Any]:
        try:
            await self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if slack_error_code(exc) not in _ALREADY_DONE:
                raise
        return {"pinned": ts}

    async def _refresh(self, work: Work) -> dict[str, Any]:
        """Topic, kickoff and announcement re-rendered from the state at delivery time, side by
        side; each one done is recorded, so a retry does not set the topic twice."""
        incident, slack = _need(work.incident), _need(work.slack)
        steps: dict[str, Step] = {}
        topic = self.book.topic(incident)
        if slack.channel_id and topic != slack.topic:
            channel, check = slack.channel_id, work.attempts > 1
            steps["topic"] = lambda: self._set_topic(channel, topic, check_first=check)
        if slack.channel_id and slack.kickoff_ts:
            kickoff = self._render(said.Kickoff(), incident)
            kickoff = drill_marked(kickoff) if incident.drill else kickoff
            where = (slack.channel_id, slack.kickoff_ts)
            steps["kickoff"] = lambda: self._update(*where, kickoff)
        if slack.announcement_channel_id and slack.announcement_ts:
            announcement = self._render(said.Announcement(), incident)
            shown = (slack.announcement_channel_id, slack.announcement_ts)
            steps["announcement"] = lambda: self._update(*shown, announcement)
        # Every step runs to its end before the row is handed back, failed or not.
        done = await asyncio.gather(
            *(self._step(work, name, act) for name, act in steps.items()), return_exceptions=True
        )
        failed = [outcome for outcome in done if isinstance(outcome, BaseException)]
        if failed:
            raise failed[0]
        return {"topic": topic}

    async def _set_topic(self, channel: str, topic: str, *, check_first: bool) -> dict[str, Any]:
        """Setting a topic posts a line in the channel: after an attempt that may have set it,
        look before setting it again."""
        if check_first:
            info = await self.client.conversations_info(channel=channel)
            if (info["channel"].get("topic") or {}).get("value") == topic:
                return {"topic": topic}
        await self.client.conversations_setTopic(channel=channel, topic=topic)
        return {"topic": topic}

    async def _update_posted(self, work: Work) -> dict[str, Any]:
        """Edit the message the row it depends on posted (e.g. a decision's buttons give way
        to its outcome); editing is idempotent, so a retry is harmless."""
        message = self._render_row(work)
        posted = work.dependency
        await self._update(posted["channel"], posted["ts"], message)
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def _publish_home(self, work: Work) -> dict[str, Any]:
        home = _need(work.home)
        await self.client.views_publish(user_id=home.user, view=home_view(home))
        return {"published": home.user}

    async def _update(self, channel: str, ts: str, message: Message) -> dict[str, Any]:
        await self.client.chat_update(
            channel=channel, ts=ts, text=message.text, blocks=message.blocks
        )
        return {"channel": channel, "ts": ts}

    # --- messages ---------------------------------------------------------------------------

    async def _post(self, work: Work) -> dict[str, Any]:
        """Post once (an uncertain earlier attempt is looked for first), then pin if asked.

        The post is recorded while the pin is under way, and on record before the row is
        handed back, so a failed pin retries only the pin; the pin, on the declaration's
        critical path, does not wait for the database. (Were the process to die between the
        two, the lease lapses with the row marked maybe-sent, and the retry finds the post in
        the channel before posting.)"""
        message = self._render_row(work)
        target = _need(work.target)
        posted = await self._step(
            work, "post", lambda: self._post_once(work, target, message), more=False
        )
        if not work.payload.get("pin"):
            return posted
        recorded = asyncio.ensure_future(self._remember(work, "post", posted))
        try:
            await self._step(work, "pin", lambda: self._pin(posted["channel"], posted["ts"]))
        finally:
            await recorded
        return posted

    async def _post_once(self, work: Work, target: str, message: Message) -> dict[str, Any]:
        if work.maybe_sent:
            found = await self._find_posted(target, work)
            if found:
                return found
        try:
            return await self._send(target, message, work.id)
        except SlackApiError as exc:
            if slack_error_code(exc) != "not_in_channel":
                raise
            await self.client.conversations_join(channel=await self._channel_id(target))
            return await self._send(target, message, work.id)

    async def _send(self, channel: str, message: Message, outbox_id: int) -> dict[str, Any]:
        response = await self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id}},
            unfurl_links=False,
            unfurl_media=False,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    async def _find_posted(self, target: str, work: Work) -> dict[str, Any] | None:
        """The message an earlier attempt of this row posted, found by its metadata."""
        channel = await self._channel_id(target)
        try:
            return await self._search_history(channel, work)
        except SlackApiError as exc:
            if slack_error_code(exc) != "not_in_channel":
                raise
        # Posting into a public channel needs no membership (chat:write.public); reading does.
        await self.client.conversations_join(channel=channel)
        return await self._search_history(channel, work)

    async def _search_history(self, channel: str, work: Work) -> dict[str, Any] | None:
        oldest = f"{work.created_at.timestamp() - 300:.6f}"
        async for page in await self.client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200
        ):
            for message in page["messages"]:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == work.id:
                    return {"channel": channel, "ts": message["ts"], "recovered": True}
        return None

    async def _channel_id(self, target: str) -> str:
        """Channel IDs pass through; a user ID means our DM with them; a #name is looked up."""
        if target[:1] in {"U", "W"} and target[1:].isalnum() and target.isupper():
            opened = await self.client.conversations_open(users=target)
            return str(opened["channel"]["id"])
        if target[:1] in {"C", "G", "D"} and target.isupper():
            return target
        name = target.lstrip("#")
        async for page in await self.client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000
        ):
            for channel in page["channels"]:
                if channel["name"] == name:
                    return str(channel["id"])
        raise GiveUp(f"channel {target} not found")

    async def _respond(self, work: Work) -> dict[str, Any]:
        """An ephemeral reply through the response_url, at most once (Slack keeps no record we
        could check); a DM instead when the URL is refused, posted once like any post."""
        url = work.payload.get("response_url")
        if url and work.maybe_sent and "response_url" not in work.progress:
            return {"skipped": "an earlier attempt may have been shown"}
        message = self._render_row(work)
        if url:
            tried = work.progress.get("response_url") or await self._via_response_url(
                work, url, message
            )
            if tried["status"] == 200:
                return {"via": "response_url"}
            await self._remember(work, "response_url", tried)  # the DM step follows
        sent = await self._post_once(work, work.payload["user"], message)
        return {"via": "dm", **sent}

    async def _via_response_url(self, work: Work, url: str, message: Message) -> dict[str, Any]:
        status = await self.responder.send(url, message)
        if status == 429 or status >= 500:
            landed = False if status == 429 else None
            raise RetryLater(retry_delay(work.attempts), f"response_url {status}", landed)
        if status != 200:
            log.info("response_url refused (%s); sending a DM instead", status)
        return {"status": status}

    async def _read_pinned(self, work: Work) -> dict[str, Any]:
        """A :pushpin:ed message's text, author and link, for the timeline (reads only)."""
        channel, ts = work.payload["channel_id"], work.payload["ts"]
        history = await self.client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        messages: list[dict[str, Any]] = history.get("messages", [])
        found = [m for m in messages if m.get("ts") == ts]
        link = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        if not found:
            return {"text": "(a message in a thread)", "permalink": link.get("permalink")}
        text = to_plain(found[0].get("text", "")) or "(a message with no text)"
        return {"text": text, "author": found[0].get("user"), "permalink": link.get("permalink")}

    # --- files ----------------------------------------------------------------------------

    async def _upload(self, work: Work) -> dict[str, Any]:
        """A file shared in the channel, exactly once: the three calls of slack_sdk's
        files_upload_v2 (files.getUploadURLExternal, the bytes POSTed to the URL it gives,
        files.completeUploadExternal), made one at a time so each is recorded before the next
        begins. A retry continues with the same file; the share, the one step Slack does not
        make idempotent, is first looked for in the channel when an attempt may have made it."""
        channel, payload = _need(work.target), work.payload
        data = str(payload["content"]).encode("utf-8")
        ticket = await self._step(
            work, "ticket", lambda: self._upload_ticket(str(payload["filename"]), len(data))
        )
        await self._step(work, "bytes", lambda: self._send_bytes(work, ticket["upload_url"], data))
        return await self._step(
            work, "share", lambda: self._share_once(work, channel, ticket["file_id"]), more=False
        )

    async def _upload_ticket(self, filename: str, length: int) -> dict[str, Any]:
        answer = await self.client.files_getUploadURLExternal(filename=filename, length=length)
        return {"file_id": answer["file_id"], "upload_url": answer["upload_url"]}

    async def _send_bytes(self, work: Work, url: str, data: bytes) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.client.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                url, data=data, ssl=self.client.ssl or True, proxy=self.client.proxy
            ) as answer,
        ):
            status = answer.status
        if status == 429 or status >= 500:
            raise RetryLater(retry_delay(work.attempts), f"upload {status}", landed=None)
        if status != 200:
            raise GiveUp(f"the file upload was refused (HTTP {status})")
        return {"bytes": len(data)}

    async def _share_once(self, work: Work, channel: str, file_id: str) -> dict[str, Any]:
        if work.maybe_sent and await self._file_in_channel(channel, file_id, work):
            return {"channel": channel, "file_id": file_id, "recovered": True}
        payload = work.payload
        title, comment = str(payload["title"]), str(payload.get("comment") or "")
        if work.drill:  # a drill's file is marked like everything else said about it
            title, comment = marked(title), marked(comment) if comment else MARK
        await self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}],
            channel_id=channel,
            initial_comment=comment,
        )
        return {"channel": channel, "file_id": file_id}

    async def _file_in_channel(self, channel: str, file_id: str, work: Work) -> bool:
        oldest = f"{work.created_at.timestamp() - 300:.6f}"
        async for page in await self.client.conversations_history(
            channel=channel, oldest=oldest, limit=200
        ):
            for message in page["messages"]:
                if any(f.get("id") == file_id for f in message.get("files") or []):
                    return True
        return False


def _need(value: Any) -> Any:
    if value is None:
        raise GiveUp("the row is missing what it needs (incident or channel)")
    return value
