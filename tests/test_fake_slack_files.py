"""The fake Slack's file upload (files.getUploadURLExternal → the upload URL →
files.completeUploadExternal) follows Slack's rules, driven by the real slack_sdk."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import UPLOAD, FakeSlack

HUMAN = "U0ALICE"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(HUMAN, "alice")
        yield fake
        assert not fake.fake_errors, fake.fake_errors[0]
        assert not fake.undocumented_errors(), fake.undocumented_errors()


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def error_code(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)
    return str(raised.value.response["error"])


def test_files_upload_v2_shares_the_bytes_in_the_channel(fake: FakeSlack, client: WebClient):
    channel = fake.add_channel("inc-1-x", members=[fake.bot_user_id, HUMAN])
    answer = client.files_upload_v2(
        channel=channel,
        content="# Post-mortem\n",
        filename="inc-1.md",
        title="INC-1 post-mortem",
        initial_comment="Draft",
    )
    file_id = answer["file"]["id"]
    methods = [c.method for c in fake.calls]
    assert methods == ["files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal"]
    assert fake.file_content(file_id) == b"# Post-mortem\n"
    [message] = fake.messages(channel)
    assert message.text == "Draft" and message.files and message.files[0]["id"] == file_id
    history = client.conversations_history(channel=channel)["messages"]
    assert history[0]["files"][0]["title"] == "INC-1 post-mortem"


def test_upload_rules(fake: FakeSlack, client: WebClient) -> None:
    channel = fake.add_channel("inc-2-x", members=[fake.bot_user_id])
    outside = fake.add_channel("elsewhere", members=[HUMAN])
    assert error_code(client.files_getUploadURLExternal, filename="a.md", length=0) == (
        "missing_argument"
    )
    ticket = client.files_getUploadURLExternal(filename="a.md", length=3)
    done = [{"id": ticket["file_id"], "title": "A"}]
    # Completing before the bytes arrived: Slack cannot find the file.
    assert error_code(client.files_completeUploadExternal, files=done, channel_id=channel) == (
        "file_not_found"
    )
    assert httpx.post(ticket["upload_url"], content=b"abcd").status_code == 400  # not 3 bytes
    assert httpx.post(ticket["upload_url"], content=b"abc").text == "OK - 3"
    assert error_code(client.files_completeUploadExternal, files=done, channel_id=outside) == (
        "not_in_channel"
    )
    assert client.files_completeUploadExternal(files=done, channel_id=channel)["ok"]
    # A file is finished once: a second completion shares nothing again.
    assert error_code(client.files_completeUploadExternal, files=done, channel_id=channel) == (
        "file_not_found"
    )
    assert len(fake.messages(channel)) == 1


def test_uploading_needs_files_write() -> None:
    with FakeSlack(scopes={"chat:write"}) as scoped:
        client = WebClient(token=scoped.bot_token, base_url=scoped.api_url)
        with pytest.raises(SlackApiError) as raised:
            client.files_getUploadURLExternal(filename="a.md", length=3)
        assert raised.value.response["error"] == "missing_scope"
        assert raised.value.response["needed"] == "files:write"
