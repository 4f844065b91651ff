"""Fixtures: a fake Slack workspace and the real app wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.manifest import manifest_bot_scopes


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(scopes=manifest_bot_scopes()) as slack:
        yield slack
        assert not slack.fake_errors, slack.fake_errors[0]
        assert not slack.undocumented_errors(), slack.undocumented_errors()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warroom.db'}"


@pytest.fixture
async def warroom(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(fake, sqlite_url)
    await room.start()
    yield room
    await room.stop()
