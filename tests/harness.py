"""Drives the real Warroom app the way Slack does.

Signed HTTP requests go into the app served by uvicorn on 127.0.0.1; the app's real slack_sdk
clients talk to the FakeSlack Web API. The database is a SQLite file (or the local PostgreSQL),
and the clock is a FakeClock so time-based behaviour runs in milliseconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlmodel import select

from app.bootstrap import Runtime, build_runtime
from app.config import Settings, WarroomConfig
from app.persistence.migrate import upgrade
from app.persistence.tables import Incident
from app.services import delivery
from app.slack.http_server import build_asgi, http_server
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack

T = TypeVar("T")
SIGNING_SECRET = "test-signing-secret-0123456789"
ANNOUNCEMENTS = "incidents"
ALERTS_TOKEN = "test-alerts-token-0123456789"


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = max(self._now, moment)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class People:
    """Users seeded into the fake workspace."""

    alice: str = "U0ALICE01"  # declares, so she is commander
    bob: str = "U0BOBBY01"
    carol: str = "U0CAROL01"
    dana: str = "U0DANA001"
    admin: str = "U0ADMIN01"
    bot_user: str = "U0HELPER1"  # another app's bot
    gone: str = "U0GONE001"  # deactivated


@dataclass
class Warroom:
    fake: FakeSlack
    database_url: str
    config: WarroomConfig = field(default_factory=WarroomConfig)
    clock: FakeClock = field(default_factory=FakeClock)
    people: People = field(default_factory=People)
    runtime: Runtime | None = None
    general: str = ""
    announcements: str = ""
    seed: bool = True  # False: a second replica or a restart, the workspace already exists
    templates_dir: Path | None = None  # an organisation's own folder; None: the shipped one
    playbooks_dir: Path | None = None  # playbooks and glossary; None: the shipped ones
    drills_dir: Path | None = None  # drill scenarios; None: the shipped ones
    audience_channels: dict[str, str] = field(default_factory=dict)  # name -> ID
    registry: Any = None  # a model registry stand-in (tests/fakes/registry.py), or the real one
    alerts_token: str = ""  # WARROOM_ALERTS_TOKEN; unset: the alert webhooks answer 404
    alert_body_deadline: float = 10.0  # seconds an alert webhook's body may take to arrive
    metrics_token: str = ""  # WARROOM_METRICS_TOKEN; unset: GET /metrics is open
    smtp_url: str = ""  # WARROOM_SMTP_URL (tests/smtp_server.py); unset: no email

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> Warroom:
        self.fake.follow = lambda: self.clock.now().timestamp()
        if self.seed:
            self._seed_workspace()
        else:
            self.general = self._channel_id("general")
            self.announcements = self._channel_id(ANNOUNCEMENTS)
            self.audience_channels = {
                name: self._channel_id(name)
                for name in ("biz-updates", "exec-updates", "customer-comms", "regulatory")
            }
        settings = Settings(
            slack_bot_token=self.fake.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self.fake.api_url,
            warroom_database_url=self.database_url,
            warroom_templates_dir=self.templates_dir,
            warroom_playbooks_dir=self.playbooks_dir,
            warroom_drills_dir=self.drills_dir,
            warroom_response_url_hosts="127.0.0.1",  # the fake's response URLs
            warroom_alerts_token=self.alerts_token,
            warroom_metrics_token=self.metrics_token,
            warroom_smtp_url=self.smtp_url,
        )
        self.runtime = build_runtime(
            settings, config=self.config, clock=self.clock, registry=self.registry
        )
        await asyncio.to_thread(upgrade, self.runtime.db.engine)
        self.guard = self.runtime.http_guard()  # tests may shorten its limits
        edge = self.runtime.alert_edge()
        edge = dataclasses.replace(edge, body_deadline=self.alert_body_deadline)
        asgi = build_asgi(
            self.runtime.bolt_app,
            self.runtime.healthy,
            self.runtime.start,
            self.runtime.stop,
            self.runtime.deps.gate,
            guard=self.guard,
            routes=self.runtime.web_routes(edge),
        )
        self.port = free_port()
        self._server = http_server(asgi, "127.0.0.1", self.port)
        self._server_task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.005)
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        return self

    async def stop(self) -> None:
        await self.http.aclose()
        self._server.should_exit = True
        await self._server_task
        if self.runtime is not None:
            self.runtime.db.engine.dispose()

    def _seed_workspace(self) -> None:
        p = self.people
        for user_id, name in [
            (p.alice, "alice"),
            (p.bob, "bob"),
            (p.carol, "carol"),
            (p.dana, "dana"),
            (p.admin, "admin"),
        ]:
            self.fake.add_user(user_id, name)
        self.fake.add_user(p.bot_user, "helperbot", is_bot=True)
        self.fake.add_user(p.gone, "gone", deleted=True)
        everyone = [p.alice, p.bob, p.carol, p.dana, p.admin]
        self.general = self.fake.add_channel("general", members=everyone)
        self.announcements = self.fake.add_channel(ANNOUNCEMENTS, members=everyone)
        self.audience_channels = {
            name: self.fake.add_channel(name, members=everyone)
            for name in ("biz-updates", "exec-updates", "customer-comms", "regulatory")
        }

    def _channel_id(self, name: str) -> str:
        channel = self.fake.channel_by_name(name)
        assert channel is not None, f"#{name} was not seeded"
        return str(channel.id)

    @property
    def app(self) -> Runtime:
        assert self.runtime is not None
        return self.runtime

    # --- what Slack sends -------------------------------------------------------------------

    async def post(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        content_type: str = slack_requests.FORM_CONTENT_TYPE,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        signed = slack_requests.signed_headers(
            secret, body, timestamp=timestamp, content_type=content_type
        )
        return await self.http.post(
            "/slack/events", content=body, headers={**signed, **(headers or {})}
        )

    async def alert(self, source: str, body: Any, *, token: str | None = None) -> httpx.Response:
        """A monitoring tool's webhook: `body` JSON to /alerts/<source>, with the bearer token."""
        headers = {"authorization": f"Bearer {token or self.alerts_token}"}
        return await self.http.post(f"/alerts/{source}", json=body, headers=headers)

    async def command(
        self, text: str, *, user: str | None = None, channel: str | None = None, **fields: Any
    ) -> Reply:
        """`/incident <text>` typed by `user` in `channel` (default: alice in #general)."""
        response_url = self.fake.new_response_url()
        body = slack_requests.slash_command_body(
            text,
            user_id=user or self.people.alice,
            channel_id=channel or self.general,
            response_url=response_url,
            trigger_id=fields.pop("trigger_id", None) or self.fake.issue_trigger_id(),
            **fields,
        )
        started = time.perf_counter()
        response = await self.post(body)
        return Reply(self, response, response_url, time.perf_counter() - started)

    async def open_update_form(self, channel: str, user: str | None = None) -> dict[str, Any]:
        """`/incident update` in `channel`: the form the app opened with views.open."""
        before = len(self.fake.calls_to("views.open"))
        await self.command("update", user=user, channel=channel)
        await self.settle()
        opened = self.fake.calls_to("views.open")
        assert len(opened) > before, "the update form was not opened"
        return dict(opened[-1].args["view"])

    async def submit_update_form(
        self,
        form: dict[str, Any],
        *,
        user: str | None = None,
        audiences: list[str] | None = None,
        what_changed: str = "Rolled back fraud-scorer to v41",
        impact: str = "",
        uncertain: str = "",
        next_steps: str = "",
    ) -> httpx.Response:
        """Fill in and submit the form; `audiences` None keeps the form's defaults."""
        checkboxes = next(b for b in form["blocks"] if b["block_id"] == "audiences")["element"]
        chosen = (
            checkboxes.get("initial_options", [])
            if audiences is None
            else [o for o in checkboxes["options"] if o["value"] in audiences]
        )
        texts = {
            "what_changed": what_changed,
            "impact": impact,
            "uncertain": uncertain,
            "next_steps": next_steps,
        }
        state = {k: {k: {"type": "plain_text_input", "value": v}} for k, v in texts.items()}
        state["audiences"] = {"audiences": {"type": "checkboxes", "selected_options": chosen}}
        body = slack_requests.view_submission_body(
            form["callback_id"],
            state,
            user_id=user or self.people.alice,
            private_metadata=form["private_metadata"],
        )
        return await self.post(body)

    async def press_publish(
        self, preview: dict[str, Any], user: str | None = None
    ) -> httpx.Response:
        body = slack_requests.view_submission_body(
            preview["callback_id"],
            {},
            user_id=user or self.people.alice,
            private_metadata=preview["private_metadata"],
        )
        return await self.post(body)

    async def publish_update(
        self,
        channel: str,
        *,
        user: str | None = None,
        audiences: list[str] | None = None,
        **fields: str,
    ) -> dict[str, Any]:
        """The whole flow: open the form, submit it, publish the preview; returns the preview."""
        form = await self.open_update_form(channel, user)
        response = await self.submit_update_form(form, user=user, audiences=audiences, **fields)
        answer = response.json()
        assert answer.get("response_action") == "push", answer
        await self.press_publish(answer["view"], user)
        await self.settle()
        return dict(answer["view"])

    async def tick(self, minutes: float) -> None:
        """Let `minutes` pass on the app's clock, then let the scheduler act on what fell due."""
        self.clock.advance(timedelta(minutes=minutes))
        self.app.scheduler.wake()
        await self.settle()

    async def press(
        self, message: Any, button_text: str, *, user: str | None = None
    ) -> tuple[httpx.Response, str]:
        """Press the button labelled `button_text` on a message the app posted; returns the
        HTTP answer and the response_url the app may answer on."""
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == button_text:
                    response_url = self.fake.new_response_url()
                    body = slack_requests.block_actions_body(
                        action_id=element["action_id"],
                        value=element.get("value"),
                        block_id=block.get("block_id", "actions"),
                        user_id=user or self.people.alice,
                        channel_id=message.channel,
                        message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
                        trigger_id=self.fake.issue_trigger_id(),
                        response_url=response_url,
                    )
                    return await self.post(body), response_url
        raise AssertionError(f"no button {button_text!r} on {message.text!r}")

    async def submit_view(
        self, view: dict[str, Any], state: dict[str, Any], *, user: str | None = None
    ) -> httpx.Response:
        body = slack_requests.view_submission_body(
            view["callback_id"],
            state,
            user_id=user or self.people.alice,
            private_metadata=view.get("private_metadata", ""),
        )
        return await self.post(body)

    async def open_home(self, user: str, event_id: str) -> dict[str, Any]:
        """The person opens Warroom's Home tab; returns the view the app published."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        await self.event(event, event_id=event_id)
        await self.settle()
        return dict(self.fake.home_views[user])

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return await self.post(slack_requests.interactive_body(payload))

    async def event(
        self, event: dict[str, Any], *, event_id: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = slack_requests.event_callback_body(event, event_id=event_id)
        return await self.post(body, content_type="application/json", headers=headers)

    # --- waiting for the app ----------------------------------------------------------------

    async def settle(self, timeout: float = 10.0, advance_clock: bool = True) -> None:
        """Wait until listeners finished and the outbox has nothing it can deliver now. With
        `advance_clock`, retries scheduled for later (429s, backoff) are fast-forwarded."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 3:
            if time.monotonic() > deadline:
                raise AssertionError("the app did not settle in time")
            await asyncio.sleep(0.01)
            busy = self.app.deps.activity.running or not self.app.scheduler.idle
            if busy:
                quiet = 0
                continue
            if advance_clock and await self._fast_forward():
                quiet = 0
                continue
            quiet += 1

    async def _fast_forward(self) -> bool:
        due = await asyncio.to_thread(delivery.next_due, self.app.ctx)
        if due is None:
            return False
        self.clock.set(due)
        self.app.scheduler.wake()
        return True

    # --- reading the fake workspace ---------------------------------------------------------

    def incident_channel(self, number: int = 1) -> Any:
        """The fake channel the app recorded for INC-<number>."""
        with self.app.db.transaction() as session:
            incident = session.get(Incident, number)
        assert incident is not None and incident.channel_id, f"INC-{number} has no channel yet"
        return self.fake.channel(incident.channel_id)

    def rows(self, table: type[T]) -> list[T]:
        """Every row of a table, read through the app's own database."""
        with self.app.db.transaction() as session:
            return list(session.exec(select(table)))

    def outgoing(self) -> str:
        """Everything the app sent to Slack (Web API arguments and response_url posts)."""
        calls = [json.dumps(c.args, ensure_ascii=False) for c in self.fake.calls]
        replies = [
            json.dumps(r, ensure_ascii=False) for rs in self.fake.responses.values() for r in rs
        ]
        return "\n".join(calls + replies)

    def said(self, channel_id: str, fragment: str) -> str:
        """The newest message in a channel that contains `fragment`."""
        for text in reversed(self.texts(channel_id)):
            if fragment in text:
                return text
        raise AssertionError(f"nothing in {channel_id} says {fragment!r}: {self.texts(channel_id)}")

    def texts(self, channel_id: str) -> list[str]:
        """Every message in a channel as one string (text plus block texts), oldest first."""
        return [message_text(m) for m in self.fake.messages(channel_id)]


def message_text(message: Any) -> str:
    blocks = getattr(message, "blocks", None) or []
    return (getattr(message, "text", "") or "") + "\n" + json.dumps(blocks, ensure_ascii=False)


@dataclass
class Reply:
    """The HTTP answer to a command, plus what arrived on its response_url afterwards."""

    warroom: Warroom
    response: httpx.Response
    response_url: str
    seconds: float

    @property
    def ack_text(self) -> str:
        if not self.response.content:
            return ""
        try:
            return json.dumps(self.response.json(), ensure_ascii=False)
        except ValueError:
            return self.response.text

    @property
    def later(self) -> list[str]:
        return [
            json.dumps(r, ensure_ascii=False)
            for r in self.warroom.fake.responses.get(self.response_url, [])
        ]

    @property
    def everything(self) -> str:
        return "\n".join([self.ack_text, *self.later])

    async def wait_for_later(self, predicate: Callable[[str], bool] = bool) -> str:
        """The first reply posted to the response_url that matches, once it arrives."""
        return await self.warroom.fake.async_wait_for(
            lambda: next((r for r in self.later if predicate(r)), None)
        )
