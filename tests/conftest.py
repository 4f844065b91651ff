"""Fixtures: a fake Slack workspace and the real app wired to it; a real MLflow server; real
Alertmanagers; a real SMTP server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.alertmanager import Alertmanager, Timing, alertmanager_executable
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.manifest import manifest_bot_scopes
from tests.mlflow_server import MlflowSeeder, MlflowServer, mlflow_executable
from tests.served import Served
from tests.smtp_server import MailServer


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


@pytest.fixture(scope="session")
def mlflow_bin() -> str:
    """The `mlflow` executable: skip without it, or fail when WARROOM_REQUIRE_MLFLOW=1 (CI)."""
    executable = mlflow_executable()
    if executable is not None:
        return executable
    problem = "no `mlflow` executable (pip install -e '.[dev]', or set WARROOM_MLFLOW_BIN)"
    if os.environ.get("WARROOM_REQUIRE_MLFLOW") == "1":
        pytest.fail(f"WARROOM_REQUIRE_MLFLOW=1 but {problem}", pytrace=False)
    pytest.skip(problem)


def start_mlflow(executable: str, folder: Path) -> MlflowServer:
    server = MlflowServer(executable, folder)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def mlflow_server(
    mlflow_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """One real MLflow tracking server for the session; tests keep apart by model names."""
    server = start_mlflow(mlflow_bin, tmp_path_factory.mktemp("mlflow"))
    yield server
    server.stop()


@pytest.fixture
def mlflow_seeder(mlflow_server: MlflowServer) -> Iterator[MlflowSeeder]:
    seeder = MlflowSeeder(mlflow_server.uri)
    yield seeder
    seeder.close()


@pytest.fixture(scope="session")
def alertmanager_bin() -> str:
    """Debian's `prometheus-alertmanager`: skip without it, or fail when
    WARROOM_REQUIRE_ALERTMANAGER=1 (CI)."""
    executable = alertmanager_executable()
    if executable is not None:
        return executable
    problem = "no Alertmanager (apt-get install prometheus-alertmanager)"
    if os.environ.get("WARROOM_REQUIRE_ALERTMANAGER") == "1":
        pytest.fail(f"WARROOM_REQUIRE_ALERTMANAGER=1 but {problem}", pytrace=False)
    pytest.skip(problem)


StartAlertmanager = Callable[..., Alertmanager]


@pytest.fixture
def start_alertmanager(alertmanager_bin: str, tmp_path: Path) -> Iterator[StartAlertmanager]:
    """start(webhook_url, token, timing=Timing()): a running Alertmanager sending every alert
    to the webhook; each one started is stopped at the end of the test."""
    started: list[Alertmanager] = []

    def start(webhook_url: str, token: str, timing: Timing | None = None) -> Alertmanager:
        folder = tmp_path / f"alertmanager-{len(started)}"
        folder.mkdir()
        manager = Alertmanager(alertmanager_bin, folder, webhook_url, token, timing)
        started.append(manager)
        try:
            manager.start()
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        return manager

    yield start
    for manager in started:
        manager.stop()


@pytest.fixture
def served() -> Iterator[list[Served]]:
    """Every process a test starts is killed at its end, whatever happened."""
    started: list[Served] = []
    yield started
    for s in started:
        if s.process.poll() is None:
            s.process.kill()
            s.process.wait(10)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, keeping what it accepts."""
    server = MailServer().start()
    yield server
    server.stop()
