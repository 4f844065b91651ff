"""The fake Slack enforces Slack's rules, checked through the real slack_sdk clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.fakes import reference
from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import IMPLEMENTED_METHODS, FakeSlack

HUMAN = "U0ALICE"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(HUMAN, "alice", real_name="Alice Example")
        yield fake
        assert not fake.fake_errors, fake.fake_errors[0]
        assert not fake.undocumented_errors(), fake.undocumented_errors()


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


@pytest.fixture
def aclient(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)


def slack_error(call: Any, *args: Any, **kwargs: Any) -> SlackApiError:
    """The SlackApiError the real client raises for ``call(*args, **kwargs)``."""
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)
    return raised.value


def error_code(call: Any, *args: Any, **kwargs: Any) -> str:
    """Just the ``error`` code of a failing call."""
    return str(slack_error(call, *args, **kwargs).response["error"])


def sections(count: int) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"#{i}"}} for i in range(count)]


MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}


# -- request signing --------------------------------------------------------------------------

SLACK_VECTOR_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)


def test_signature_matches_slacks_published_vector() -> None:
    signature = slack_requests.sign(
        "8f742231b10e8888abcd99yyyzzz85a5", 1531420618, SLACK_VECTOR_BODY
    )
    assert signature == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signed_headers_verify_with_slack_sdk() -> None:
    from slack_sdk.signature import SignatureVerifier

    body = slack_requests.slash_command_body("declare sev1", user_id=HUMAN)
    headers = slack_requests.signed_headers("secret", body)
    assert SignatureVerifier("secret").is_valid_request(body, headers)
    assert b"command=%2Fincident" in body


def test_interaction_builders_follow_sample_nesting() -> None:
    payload = slack_requests.block_actions_payload(action_id="ack", value="inc-1")
    assert set(payload) >= {"user", "team", "container", "channel", "message", "actions"}
    assert payload["actions"][0]["action_id"] == "ack"
    body = slack_requests.view_submission_body("declare", {"b": {"a": {"value": "x"}}})
    decoded = json.loads(parse_qs(body.decode())["payload"][0])
    assert decoded["view"]["state"]["values"]["b"]["a"]["value"] == "x"
    event = json.loads(slack_requests.event_callback_body({"type": "app_mention"}))
    assert event["type"] == "event_callback" and event["event"]["type"] == "app_mention"


# -- auth and plumbing --------------------------------------------------------------------------


def test_auth_rules(fake: FakeSlack, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == fake.bot_user_id
    assert error_code(WebClient(base_url=fake.api_url).auth_test) == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    assert error_code(wrong.auth_test) == "invalid_auth"
    app_level = WebClient(token=fake.app_token, base_url=fake.api_url)
    assert error_code(app_level.auth_test) == "not_allowed_token_type"
    assert app_level.apps_connections_open(app_token=fake.app_token)["url"].startswith("ws://")
    unknown = slack_error(client.api_call, "nope.nothing")
    assert (unknown.response.status_code, unknown.response["error"]) == (200, "unknown_method")


def test_vendored_reference_covers_every_implemented_method(monkeypatch: Any) -> None:
    missing = [
        m
        for m in IMPLEMENTED_METHODS
        if not (reference.VENDORED_DIR / f"methods/{m}.json").exists()
    ]
    assert missing == []
    monkeypatch.setenv("SLACK_REFERENCE_DIR", str(reference.VENDORED_DIR))
    assert reference.slack_reference_dir() == reference.VENDORED_DIR
    assert reference.manifest_schema()["$schema"].startswith("http://json-schema.org/draft-07")


# -- conversations --------------------------------------------------------------------------------


def test_name_taken_includes_archived_channels(fake: FakeSlack, client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_archive(channel=channel_id)
    assert error_code(client.conversations_create, name="inc-1") == "name_taken"
    fake.add_channel("old-incident", archived=True)
    assert error_code(client.conversations_create, name="old-incident") == "name_taken"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Inc-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc#1", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("-_-", "invalid_name_punctuation"),
    ],
)
def test_invalid_channel_names(client: WebClient, name: str, error: str) -> None:
    assert error_code(client.conversations_create, name=name) == error


def test_create_private_channel(fake: FakeSlack, client: WebClient) -> None:
    created = client.conversations_create(name="x" * 80, is_private=True)["channel"]
    assert created["id"].startswith("C") and created["is_private"] and created["is_member"]
    assert fake.channel(created["id"]).members == {fake.bot_user_id}


def test_invite_rules(fake: FakeSlack, client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-2")["channel"]["id"]
    fake.add_user("U0BOB", "bob")

    def invite_error(users: str, channel: str = channel_id) -> str:
        return error_code(client.conversations_invite, channel=channel, users=users)

    assert invite_error(fake.bot_user_id) == "cant_invite_self"
    assert invite_error("U0NOBODY") == "user_not_found"
    assert invite_error(HUMAN, channel="C0MISSING") == "channel_not_found"
    client.conversations_invite(channel=channel_id, users=f"{HUMAN},U0BOB")
    assert fake.channel(channel_id).members == {fake.bot_user_id, HUMAN, "U0BOB"}
    assert invite_error(f"{HUMAN},U0BOB") == "already_in_channel"
    other = fake.add_channel("not-mine", members=[HUMAN])
    assert invite_error("U0BOB", channel=other) == "not_in_channel"


def test_list_pagination_hides_private_channels_without_the_bot(
    fake: FakeSlack, client: WebClient
) -> None:
    for i in range(5):
        fake.add_channel(f"public-{i}")
    fake.add_channel("secret", is_private=True, members=[HUMAN])
    fake.add_channel("ours", is_private=True, members=[fake.bot_user_id])
    names: list[str] = []
    cursor = None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", limit=2, cursor=cursor
        )
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == [f"public-{i}" for i in range(5)] + ["ours"]


def test_topic_too_long_and_membership(fake: FakeSlack, client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-3")["channel"]["id"]
    long_topic = "t" * 251
    assert error_code(client.conversations_setTopic, channel=channel_id, topic=long_topic) == (
        "too_long"
    )
    client.conversations_setTopic(channel=channel_id, topic="Sev1: model drift")
    assert fake.channel(channel_id).topic == "Sev1: model drift"
    other = fake.add_channel("elsewhere", members=[HUMAN])
    assert error_code(client.conversations_setPurpose, channel=other, purpose="x") == (
        "not_in_channel"
    )


# -- chat ---------------------------------------------------------------------------------------


def test_rate_limit_429_with_retry_after_after_burst(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("busy", members=[fake.bot_user_id])
    for i in range(4):
        client.chat_postMessage(channel=channel_id, text=f"update {i}")
    error = slack_error(client.chat_postMessage, channel=channel_id, text="one too many")
    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "1"
    assert len(fake.messages(channel_id)) == 4
    fake.advance(1.0)
    client.chat_postMessage(channel=channel_id, text="after waiting")
    assert len(fake.messages(channel_id)) == 5


def test_user_groups_list_their_members(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user_group("S0COMMS", [HUMAN])
    assert client.usergroups_users_list(usergroup="S0COMMS")["users"] == [HUMAN]
    assert error_code(client.usergroups_users_list, usergroup="S0NOPE") == "no_such_subteam"
    with pytest.raises(ValueError, match="unknown users"):
        fake.add_user_group("S0GHOSTS", ["U0NOBODY"])


def test_missing_scope() -> None:
    with FakeSlack(scopes={"channels:read", "groups:write"}) as scoped:
        client = WebClient(token=scoped.bot_token, base_url=scoped.api_url)
        channel_id = scoped.add_channel("general", members=[scoped.bot_user_id])
        error = slack_error(client.chat_postMessage, channel=channel_id, text="hi")
        assert error.response["error"] == "missing_scope"
        assert error.response["needed"] == "chat:write"
        assert error.response["provided"] == "channels:read,groups:write"
        error = slack_error(client.conversations_create, name="public-one")
        assert error.response["needed"] == "channels:manage,channels:write"
        assert client.conversations_create(name="private-one", is_private=True)["ok"]


def test_not_in_channel_unless_chat_write_public() -> None:
    with FakeSlack(scopes={"chat:write"}) as scoped:
        client = WebClient(token=scoped.bot_token, base_url=scoped.api_url)
        public = scoped.add_channel("announcements")
        private = scoped.add_channel("hidden", is_private=True)
        assert error_code(client.chat_postMessage, channel=public, text="x") == "not_in_channel"
        assert error_code(client.chat_postMessage, channel=private, text="x") == "channel_not_found"
        scoped.scopes = {"chat:write", "chat:write.public"}
        assert client.chat_postMessage(channel="#announcements", text="x")["channel"] == public


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_by_name_and_to_user_ims(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("warroom", members=[fake.bot_user_id])
    assert client.chat_postMessage(channel="warroom", text="a")["channel"] == channel_id
    dm = client.chat_postMessage(channel=HUMAN, text="you are on call")["channel"]
    assert dm.startswith("D")
    assert client.conversations_open(users=HUMAN)["channel"]["id"] == dm
    fake.add_channel("frozen", members=[fake.bot_user_id], archived=True)
    assert error_code(client.chat_postMessage, channel="frozen", text="x") == "is_archived"
    assert error_code(client.chat_postMessage, channel=channel_id) == "no_text"
    too_long = "x" * 40_001
    assert error_code(client.chat_postMessage, channel=channel_id, text=too_long) == "msg_too_long"


def test_invalid_blocks(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("blocks", members=[fake.bot_user_id])
    error = slack_error(client.chat_postMessage, channel=channel_id, text="x", blocks=sections(51))
    assert error.response["error"] == "invalid_blocks"
    assert "must be less than 51 items [json-pointer:/blocks]" in error.response["errors"]
    assert fake.messages(channel_id) == []
    client.chat_postMessage(channel=channel_id, text="fallback", blocks=sections(50))
    duplicate = [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Ack"}, "action_id": "a"},
                {"type": "button", "text": {"type": "plain_text", "text": "Ack"}, "action_id": "a"},
            ],
        },
    ]
    error = slack_error(client.chat_postMessage, channel=channel_id, text="x", blocks=duplicate)
    assert error.response["error"] == "invalid_blocks"
    header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    error = slack_error(client.chat_postMessage, channel=channel_id, text="x", blocks=header)
    assert error.response["error"] == "invalid_blocks"


async def test_metadata_round_trips_through_history(
    fake: FakeSlack, aclient: AsyncWebClient
) -> None:
    channel_id = fake.add_channel("meta", members=[fake.bot_user_id])
    metadata = {"event_type": "incident_declared", "event_payload": {"incident_id": "INC-7"}}
    posted = await aclient.chat_postMessage(channel=channel_id, text="declared", metadata=metadata)
    await aclient.chat_postMessage(channel=channel_id, text="later")
    history = await aclient.conversations_history(channel=channel_id, include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["later", "declared"]
    assert history["messages"][1]["metadata"] == metadata
    plain = await aclient.conversations_history(channel=channel_id)
    assert all("metadata" not in m for m in plain["messages"])
    assert fake.calls_to("chat.postMessage")[0].args["metadata"] == metadata
    assert posted["message"]["metadata"] == metadata


def test_history_window_threads_and_membership(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("threads", members=[fake.bot_user_id, HUMAN])
    parent = client.chat_postMessage(channel=channel_id, text="parent")["ts"]
    client.chat_postMessage(channel=channel_id, text="reply", thread_ts=parent)
    last = client.chat_postMessage(channel=channel_id, text="last")["ts"]
    history = client.conversations_history(channel=channel_id, limit=1)
    assert [m["text"] for m in history["messages"]] == ["last"] and history["has_more"]
    older = client.conversations_history(channel=channel_id, latest=last)["messages"]
    assert [m["text"] for m in older] == ["parent"] and older[0]["reply_count"] == 1
    replies = client.conversations_replies(channel=channel_id, ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    outside = fake.add_channel("outside", members=[HUMAN])
    assert error_code(client.conversations_history, channel=outside) == "not_in_channel"


def test_update_ephemeral_pins_permalink(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("ops", members=[fake.bot_user_id, HUMAN])
    ts = client.chat_postMessage(channel=channel_id, text="v1")["ts"]
    human_ts = fake.add_message(channel_id, "human says", user=HUMAN)
    client.chat_update(channel=channel_id, ts=ts, text="v2")
    assert fake.messages(channel_id)[0].edits[0]["text"] == "v1"
    assert (
        error_code(client.chat_update, channel=channel_id, ts=human_ts, text="x")
        == "cant_update_message"
    )
    assert error_code(client.chat_update, channel="ops", ts=ts, text="x") == "channel_not_found"
    assert (
        error_code(client.chat_update, channel=channel_id, ts="1.000001", text="x")
        == "message_not_found"
    )
    client.chat_postEphemeral(channel=channel_id, user=HUMAN, text="only you")
    assert fake.ephemerals[0]["user"] == HUMAN
    fake.add_user("U0CAROL", "carol")
    stranger = {"channel": channel_id, "user": "U0CAROL", "text": "x"}
    assert error_code(client.chat_postEphemeral, **stranger) == "user_not_in_channel"
    client.pins_add(channel=channel_id, timestamp=ts)
    assert error_code(client.pins_add, channel=channel_id, timestamp=ts) == "already_pinned"
    link = client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/{channel_id}/p{ts.replace('.', '')}"


# -- failure injection ------------------------------------------------------------------------


def test_fail_next_after_effect_posts_then_fails(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("flaky", members=[fake.bot_user_id])
    fake.fail_next("chat.postMessage", status=500, after_effect=True)
    error = slack_error(client.chat_postMessage, channel=channel_id, text="did it post?")
    assert error.response.status_code == 500
    assert [m.text for m in fake.messages(channel_id)] == ["did it post?"]
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    error = slack_error(client.chat_postMessage, channel=channel_id, text="limited")
    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "7")
    fake.fail_next("chat.postMessage", error="fatal_error")
    error = slack_error(client.chat_postMessage, channel=channel_id, text="fatal")
    assert (error.response.status_code, error.response["error"]) == (200, "fatal_error")
    assert len(fake.messages(channel_id)) == 1
    assert client.chat_postMessage(channel=channel_id, text="fine")["ok"]


def test_dropped_response_makes_default_client_retry_and_duplicate(
    fake: FakeSlack, client: WebClient
) -> None:
    channel_id = fake.add_channel("lossy", members=[fake.bot_user_id])
    fake.drop_connection_next("chat.postMessage", after_effect=True)
    client.chat_postMessage(channel=channel_id, text="once")
    assert [m.text for m in fake.messages(channel_id)] == ["once", "once"]
    assert [c.dropped for c in fake.calls_to("chat.postMessage")] == [True, False]


async def test_html_and_garbled_answers_look_like_a_broken_proxy(
    fake: FakeSlack, aclient: AsyncWebClient
) -> None:
    fake.fail_next("users.info", status=502, html="text/html")
    fake.fail_next("users.info", status=503, html="text/plain")
    with pytest.raises(SlackApiError) as labelled:
        await aclient.users_info(user=HUMAN)
    assert labelled.value.response.status_code == 502 and labelled.value.response.data == {}
    with pytest.raises(SlackApiError) as mislabelled:
        await aclient.users_info(user=HUMAN)
    assert "503 Bad Gateway" in mislabelled.value.response.data  # a string, not a dict
    fake.garble_next("users.info")
    with pytest.raises(aiohttp.ClientResponseError):
        await aclient.users_info(user=HUMAN)
    assert (await aclient.users_info(user=HUMAN))["user"]["id"] == HUMAN
    assert [c.status for c in fake.calls_to("users.info")] == [502, 503, 0, 200]


async def test_latency_overlaps_concurrent_calls(fake: FakeSlack, aclient: AsyncWebClient) -> None:
    fake.latency = 0.2
    started = time.monotonic()
    await asyncio.gather(*(aclient.users_info(user=HUMAN) for _ in range(5)))
    assert time.monotonic() - started < 0.6
    records = fake.calls_to("users.info")
    assert all(r.ended - r.started >= 0.2 for r in records)


# -- modals and response URLs ---------------------------------------------------------------------


def test_trigger_ids_expire_and_work_once(fake: FakeSlack, client: WebClient) -> None:
    expired = fake.issue_trigger_id()
    fake.advance(3.1)
    assert error_code(client.views_open, trigger_id=expired, view=MODAL) == "expired_trigger_id"
    fresh = fake.issue_trigger_id()
    view = client.views_open(trigger_id=fresh, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert error_code(client.views_open, trigger_id=fresh, view=MODAL) == "exchanged_trigger_id"
    assert error_code(client.views_open, trigger_id="1.2.3", view=MODAL) == "invalid_trigger_id"


def test_view_validation_and_hash_conflict(fake: FakeSlack, client: WebClient) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    error = slack_error(client.views_open, trigger_id=fake.issue_trigger_id(), view=long_title)
    assert error.response["error"] == "invalid_arguments"
    assert "json-pointer:/view/title/text" in error.response["response_metadata"]["messages"][0]
    view = client.views_open(trigger_id=fake.issue_trigger_id(), view=MODAL)["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)["view"]
    stale = slack_error(client.views_update, view_id=view["id"], hash=view["hash"], view=MODAL)
    assert stale.response["error"] == "hash_conflict"
    assert fake.views[view["id"]]["hash"] == updated["hash"]
    home = {"type": "home", "blocks": sections(3)}
    client.views_publish(user_id=HUMAN, view=home)
    assert len(fake.home_views[HUMAN]["blocks"]) == 3


def test_response_url_allows_five_posts_within_30_minutes(fake: FakeSlack) -> None:
    import urllib.error
    import urllib.request

    def post(url: str, text: str) -> int:
        data = json.dumps({"text": text}).encode()
        request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    url = fake.new_response_url()
    assert [post(url, str(i)) for i in range(6)] == [200] * 5 + [404]
    assert [r["text"] for r in fake.responses[url]] == ["0", "1", "2", "3", "4"]
    late = fake.new_response_url()
    fake.advance(30 * 60 + 1)
    assert post(late, "too late") == 404


def test_response_url_acts_on_the_linked_message(fake: FakeSlack, client: WebClient) -> None:
    channel_id = fake.add_channel("linked", members=[fake.bot_user_id, HUMAN])
    ts = client.chat_postMessage(channel=channel_id, text="Declare?")["ts"]
    url = fake.new_response_url(channel_id=channel_id, message_ts=ts, user_id=HUMAN)
    webhook = WebhookClient(url)
    assert webhook.send(text="Declared", replace_original=True).status_code == 200
    assert webhook.send(text="for everyone", response_type="in_channel").status_code == 200
    assert webhook.send(text="just for you").status_code == 200
    assert [m.text for m in fake.messages(channel_id)] == ["Declared", "for everyone"]
    assert [e["text"] for e in fake.ephemerals] == ["just for you"]


def test_modal_stack_is_limited_to_three(fake: FakeSlack, client: WebClient) -> None:
    view_id = client.views_open(trigger_id=fake.issue_trigger_id(), view=MODAL)["view"]["id"]
    for _ in range(2):
        pushed = client.views_push(trigger_id=fake.issue_trigger_id(view_id=view_id), view=MODAL)
        view_id = pushed["view"]["id"]
    trigger_id = fake.issue_trigger_id(view_id=view_id)
    assert error_code(client.views_push, trigger_id=trigger_id, view=MODAL) == "push_limit_reached"


# -- Socket Mode ------------------------------------------------------------------------------


async def test_socket_mode_hello_envelope_ack_round_trip(fake: FakeSlack) -> None:
    app_client = AsyncWebClient(token=fake.app_token, base_url=fake.api_url)
    url = (await app_client.apps_connections_open(app_token=fake.app_token))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url, autoping=False) as ws:
        hello = await ws.receive_json(timeout=2)
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0APP"
        await ws.ping(b"keepalive")
        pong = await ws.receive(timeout=2)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"keepalive")
        payload = slack_requests.slash_command_payload("sev1 drift", user_id=HUMAN)
        envelope_id = await asyncio.to_thread(fake.send_envelope, "slash_commands", payload)
        envelope = await ws.receive_json(timeout=2)
        assert envelope["envelope_id"] == envelope_id and envelope["payload"] == payload
        assert envelope["accepts_response_payload"] is True
        await ws.send_json({"envelope_id": envelope_id, "payload": {"text": "on it"}})
        ack = await fake.async_wait_for_ack(envelope_id, timeout=2)
        assert ack["payload"] == {"text": "on it"}


async def test_socket_mode_rejects_unknown_tickets(fake: FakeSlack) -> None:
    url = fake.base_url.replace("http", "ws") + "/socket-mode?ticket=forged"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
            await session.ws_connect(url)
    assert raised.value.status == 401


async def test_bolt_socket_mode_handler_works_unchanged(fake: FakeSlack) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp

    bolt = AsyncApp(client=AsyncWebClient(token=fake.bot_token, base_url=fake.api_url))
    channel_id = fake.add_channel("bolt", members=[fake.bot_user_id, HUMAN])

    @bolt.event("app_mention")
    async def on_mention(event: dict[str, Any], say: Any) -> None:
        await say(f"hi <@{event['user']}>")

    handler = AsyncSocketModeHandler(bolt, fake.app_token)
    await handler.connect_async()
    try:
        await fake.async_socket_connected(timeout=2)
        event = {
            "type": "app_mention",
            "user": HUMAN,
            "channel": channel_id,
            "text": "hey",
            "ts": "1700000000.000100",
            "event_ts": "1700000000.000100",
        }
        payload = slack_requests.event_callback_payload(event)
        envelope_id = fake.send_envelope("events_api", payload)
        assert await fake.async_wait_for_ack(envelope_id, timeout=3) == {"envelope_id": envelope_id}
        await fake.async_wait_for(lambda: fake.messages(channel_id), timeout=3)
        assert fake.messages(channel_id)[0].text == f"hi <@{HUMAN}>"
    finally:
        await handler.close_async()


def test_state_is_shared_safely_across_threads(fake: FakeSlack, client: WebClient) -> None:
    channel_ids = [fake.add_channel(f"room-{i}", members=[fake.bot_user_id]) for i in range(4)]

    def post_all(channel_id: str) -> None:
        for i in range(4):
            client.chat_postMessage(channel=channel_id, text=str(i))

    threads = [threading.Thread(target=post_all, args=(cid,)) for cid in channel_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    all_ts = [m.ts for cid in channel_ids for m in fake.messages(cid)]
    assert len(all_ts) == len(set(all_ts)) == 16
