"""A real Alertmanager notifying Warroom: alerts are posted to Alertmanager's own API, as
Prometheus posts them, and Alertmanager's webhook (with its bearer credentials) carries them to
POST /alerts/alertmanager.

Some tests put a recorder in place of the intake, to see exactly what Alertmanager's body
became; the others run the real intake: one incident, with the repeat and the resolve folded
into it, in the harness's app and in a served `warroom serve --http` process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from app.clock import SystemClock
from app.config import parse_config
from app.domain.alerts import Alert
from app.persistence.tables import AlertLink, Incident, TimelineEntry
from tests.alertmanager import Timing
from tests.conftest import StartAlertmanager
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom, free_port
from tests.served import Served, fake_env, wait_healthy

TOKEN = "alerts-token-5b0c1e7d9a"
CONFIG = {
    "catalog": {"fraud-scorer": {"kind": "model"}},
    "alerts": {
        "rules": [{"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"}]
    },
}
LABELS = {"alertname": "ModelPrecisionDrop", "severity": "critical", "model": "fraud-scorer"}
NOTES = {"summary": "fraud-scorer precision fell to 0.71", "value": "0.71"}
WAIT = 20.0  # seconds: Alertmanager's group_wait and retries are well inside this


class Intake:
    def __init__(self) -> None:
        self.batches: list[list[Alert]] = []

    async def __call__(self, alerts: list[Alert]) -> None:
        self.batches.append(alerts)

    @property
    def alerts(self) -> list[Alert]:
        return [a for batch in self.batches for a in batch]

    async def wait_for(self, check: Callable[[list[Alert]], bool], what: str) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT
        while not check(self.alerts):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"never saw {what}; got {self.alerts}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(fake, sqlite_url, alerts_token=TOKEN)
    await room.start()
    yield room
    await room.stop()


def webhook(port: int) -> str:
    return f"http://127.0.0.1:{port}/alerts/alertmanager"


async def test_an_alert_its_repeats_and_its_resolve_reach_the_intake(
    room: Warroom, start_alertmanager: StartAlertmanager
) -> None:
    intake = Intake()
    room.app.receive_alerts = intake
    manager = await asyncio.to_thread(
        start_alertmanager, webhook(room.port), TOKEN, Timing(repeat_interval="1s")
    )
    started = datetime(2024, 5, 2, 7, 51, 3, tzinfo=UTC)
    await asyncio.to_thread(manager.post_alert, LABELS, NOTES, starts_at=started)
    await intake.wait_for(lambda alerts: len(alerts) >= 1, "the first notification")
    first = intake.alerts[0]
    [held] = await asyncio.to_thread(manager.alerts)
    assert first.source == "alertmanager" and first.status == "firing"
    assert first.key == held["fingerprint"]
    assert (first.title, first.system, first.value) == (
        "fraud-scorer precision fell to 0.71",
        "fraud-scorer",
        "0.71",
    )
    assert first.labels == LABELS and first.started_at == started and first.ended_at is None
    assert first.group_key is not None and "ModelPrecisionDrop" in first.group_key
    assert first.links[0][0] == "source"

    # Prometheus posts a firing alert again on every evaluation; Alertmanager notifies it again
    # on its repeat_interval, under the same fingerprint.
    await asyncio.to_thread(manager.post_alert, LABELS, NOTES, starts_at=started)
    await intake.wait_for(lambda alerts: len(alerts) >= 2, "a repeat")

    await asyncio.to_thread(manager.resolve, LABELS, NOTES)
    await intake.wait_for(lambda a: a[-1].status == "resolved", "the resolve notification")
    resolved = intake.alerts[-1]
    assert resolved.key == first.key and resolved.ended_at is not None
    assert resolved.ended_at <= datetime.now(UTC)
    assert {a.key for a in intake.alerts} == {first.key}
    assert all(a.status == "firing" for a in intake.alerts[:-1])


async def test_alertmanager_with_the_wrong_credentials_is_turned_away(
    room: Warroom, start_alertmanager: StartAlertmanager, caplog: pytest.LogCaptureFixture
) -> None:
    intake = Intake()
    room.app.receive_alerts = intake
    caplog.set_level("INFO")
    manager = await asyncio.to_thread(start_alertmanager, webhook(room.port), "not-the-token")
    await asyncio.to_thread(manager.post_alert, LABELS, NOTES)

    def refused() -> bool:
        return any("POST /alerts/alertmanager with 401" in r.getMessage() for r in caplog.records)

    deadline = asyncio.get_running_loop().time() + WAIT
    while not refused():
        assert asyncio.get_running_loop().time() < deadline, "never refused"
        await asyncio.sleep(0.05)
    assert intake.batches == []
    assert not any("not-the-token" in r.getMessage() for r in caplog.records)


async def test_alertmanager_declares_one_incident_and_folds_its_repeat_and_resolve(
    fake: FakeSlack, sqlite_url: str, start_alertmanager: StartAlertmanager
) -> None:
    room = Warroom(fake, sqlite_url, alerts_token=TOKEN, config=parse_config(CONFIG))
    room.clock = SystemClock()  # type: ignore[assignment]  # Alertmanager keeps real time
    await room.start()
    try:
        manager = await asyncio.to_thread(
            start_alertmanager, webhook(room.port), TOKEN, Timing(repeat_interval="1s")
        )
        await asyncio.to_thread(manager.post_alert, LABELS, NOTES)
        await until(room, lambda: len(room.rows(Incident)) == 1, "an incident declared")
        [incident] = room.rows(Incident)
        assert incident.title == NOTES["summary"] and incident.detected_by == "alert:alertmanager"

        again = {**NOTES, "value": "0.64"}  # Prometheus's next evaluation, a new value
        await asyncio.to_thread(manager.post_alert, LABELS, again)
        await until(room, lambda: _logged(room, "Alert still firing"), "the repeat folded in")
        await asyncio.to_thread(manager.resolve, LABELS, again)
        await until(room, lambda: _logged(room, "Alert resolved at"), "the resolve folded in")

        assert len(room.rows(Incident)) == 1 and len(room.rows(AlertLink)) == 1
        assert room.rows(Incident)[0].status == "investigating"
    finally:
        await room.stop()


async def until(room: Warroom, check: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never saw {what}")
        await asyncio.sleep(0.1)
    await room.settle(advance_clock=False)


def _logged(room: Warroom, text: str) -> bool:
    return any(text in e.text for e in room.rows(TimelineEntry))


# --- the served process ------------------------------------------------------------------------


def test_warroom_serve_http_takes_alertmanagers_authenticated_notification(
    fake: FakeSlack,
    sqlite_url: str,
    tmp_path: Path,
    served: list[Served],
    start_alertmanager: StartAlertmanager,
) -> None:
    Warroom(fake, sqlite_url)._seed_workspace()
    config = tmp_path / "warroom.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    port = free_port()
    env = {
        **fake_env(fake, sqlite_url),
        "WARROOM_ALERTS_TOKEN": TOKEN,
        "WARROOM_CONFIG": str(config),
    }
    bot = Served(env, "--http", "--host", "127.0.0.1", "--port", str(port))
    served.append(bot)
    wait_healthy(port, bot)

    manager = start_alertmanager(webhook(port), TOKEN)
    manager.post_alert(LABELS, NOTES)
    bot.wait_for(lambda: "'declared': 1" in bot.output, WAIT, "the alert declare an incident")
    engine = create_engine(sqlite_url)
    with engine.connect() as db:
        titles = db.execute(text("SELECT title, detected_by FROM incidents")).all()
    engine.dispose()
    assert titles == [(NOTES["summary"], "alert:alertmanager")]
    assert "with 401" not in bot.output and "with 400" not in bot.output
    assert TOKEN not in bot.output

    code, _ = bot.terminate()
    assert code == 0, bot.output
