"""Pytest fixtures for the fake Slack. Enable with ``pytest_plugins = ["tests.fakes.fixtures"]``
in the root conftest (or import the fixtures into a test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake workspace; fails the test if the fake itself broke or drifted from the
    documented error codes."""
    with FakeSlack() as fake:
        yield fake
        assert not fake.fake_errors, fake.fake_errors[0]
        assert not fake.undocumented_errors(), fake.undocumented_errors()


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)


@pytest.fixture
def async_slack_client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
