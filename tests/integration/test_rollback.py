"""Rolling a model back through the registry: decided, moved, verified, recorded, reversible."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from app.config import parse_config
from app.integrations.mlflow_registry import MlflowRegistry
from app.persistence.tables import Decision, OutboxMessage, Rollback, TimelineEntry
from tests.fakes.registry import InMemoryRegistry
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.mlflow_server import MlflowSeeder, MlflowServer

ML = "U0ML00001"
CONFIG = {
    "business_functions": {"risk": {"name": "Fraud & risk"}},
    "catalog": {
        "fs-online": {"kind": "feature_store"},
        "fraud-scorer": {
            "kind": "model",
            "owners": [ML],
            "depends_on": ["fs-online"],
            "serves": ["risk"],
            "registry": {"mlflow_name": "fraud-scorer", "alias": "champion"},
        },
        "churn-model": {"kind": "model"},
    },
}


def registry_with_three_versions() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.add_model("fraud-scorer")
    for n in range(3):
        registry.add_version(
            "fraud-scorer",
            run_id=f"run{n + 1}",
            created_at=datetime(2026, 11, 29, 23, n, tzinfo=UTC),
        )
    registry.set_alias("fraud-scorer", "champion", 3)
    return registry


@pytest.fixture
async def registered(fake: FakeSlack, sqlite_url: str) -> AsyncIterator[Warroom]:
    room = Warroom(
        fake, sqlite_url, config=parse_config(CONFIG), registry=registry_with_three_versions()
    )
    await room.start()
    fake.add_user(ML, "mel")
    yield room
    await room.stop()


async def declared(room: Warroom) -> str:
    await room.command("declare sev1 Fraud precision dropped 15% --affects fraud-scorer")
    await room.settle()
    return str(room.incident_channel(1).id)


def question(room: Warroom, channel: str, words: str) -> object:
    return next(m for m in room.fake.messages(channel) if words in m.text)


async def test_the_radius_shows_the_version_behind_the_alias(registered: Warroom) -> None:
    channel = await declared(registered)
    radius = registered.said(channel, "Blast radius")
    assert "fraud-scorer: champion → v3, since 2026-11-29 23:02 UTC" in radius


async def test_a_decided_rollback_moves_the_alias_and_records_before_and_after(
    registered: Warroom,
) -> None:
    room = registered
    channel = await declared(room)
    await room.command("rollback fraud-scorer", channel=channel, user=room.people.bob)
    await room.settle()
    asked = question(room, channel, "Roll back fraud-scorer from v3 to v2?")
    assert f"<@{ML}>" in room.said(channel, "a rollback of `fraud-scorer` is proposed")
    [decision] = room.rows(Decision)
    assert decision.owner == room.people.alice and decision.options == ["Roll back", "Hold"]

    await room.command("decide D-1 roll back fallback precision is known", channel=channel)
    await room.settle()
    registry = room.registry
    assert registry.version_by_alias("fraud-scorer", "champion").version == 2
    [rollback] = room.rows(Rollback)
    assert rollback.status == "done"
    assert rollback.result["before"] == {"version": 3, "run_id": "run3"}
    assert rollback.result["after"] == {"version": 2, "run_id": "run2"}
    done = room.said(channel, "rolled back")
    assert "now points at *v2* (was v3)" in done and "fallback precision is known" in done
    logged = [e.text for e in room.rows(TimelineEntry) if e.kind == "rollback"]
    assert any("v3 (run run3) → v2 (run run2)" in text for text in logged)
    assert asked is not None

    await room.command("rollback fraud-scorer --undo", channel=channel)
    await room.settle()
    question(room, channel, "Undo the rollback of fraud-scorer: move champion back from v2 to v3?")
    await room.command("decide D-2 move back the retrained one is fine", channel=channel)
    await room.settle()
    assert registry.version_by_alias("fraud-scorer", "champion").version == 3


async def test_hold_moves_nothing_and_a_version_can_be_named(registered: Warroom) -> None:
    room = registered
    channel = await declared(room)
    await room.command("rollback fraud-scorer --to v1", channel=channel)
    await room.settle()
    question(room, channel, "Roll back fraud-scorer from v3 to v1?")
    await room.command("decide D-1 hold losses are small", channel=channel)
    await room.settle()
    assert room.registry.version_by_alias("fraud-scorer", "champion").version == 3
    assert [r.status for r in room.rows(Rollback)] == ["held"]
    missing = await room.command("rollback fraud-scorer --to 9", channel=channel)
    await room.settle()
    assert "fraud-scorer has no v9; versions: v1, v2, v3." in missing.everything


async def test_an_alias_moved_meanwhile_is_reported_and_nothing_is_changed(
    registered: Warroom,
) -> None:
    room = registered
    channel = await declared(room)
    await room.command("rollback fraud-scorer", channel=channel)
    await room.settle()
    room.registry.set_alias("fraud-scorer", "champion", 1)  # someone moved it by hand
    await room.command("decide D-1 roll back now", channel=channel)
    await room.settle()
    assert room.registry.version_by_alias("fraud-scorer", "champion").version == 1
    [rollback] = room.rows(Rollback)
    assert rollback.status == "failed" and "moved meanwhile" in rollback.error
    assert "points at v1, not v3; nothing was changed" in room.said(channel, "Rollback of")


async def test_a_registry_down_is_retried_briefly_then_reported(registered: Warroom) -> None:
    room = registered
    channel = await declared(room)
    await room.command("rollback fraud-scorer", channel=channel)
    await room.settle()
    room.registry.fail_next(times=50)
    await room.command("decide D-1 roll back now", channel=channel)
    await room.settle()
    [rollback] = room.rows(Rollback)
    assert rollback.status == "failed" and "did not answer" in rollback.error
    room.registry.recover()
    assert room.registry.version_by_alias("fraud-scorer", "champion").version == 3
    move = next(r for r in room.rows(OutboxMessage) if r.op == "move_alias")
    assert move.status == "dead" and move.attempts > 1


async def test_rollback_refuses_what_it_cannot_do(registered: Warroom, fake: FakeSlack) -> None:
    room = registered
    channel = await declared(room)
    not_registered = await room.command("rollback churn-model", channel=channel)
    unknown = await room.command("rollback fraud-scorr", channel=channel)
    await room.settle()
    assert "has no model registry entry" in not_registered.everything
    assert "Did you mean `fraud-scorer`" in unknown.everything
    await room.command("rollback fraud-scorer", channel=channel)
    again = await room.command("rollback fraud-scorer", channel=channel)
    await room.settle()
    assert "already proposed" in again.everything
    assert len(room.rows(Rollback)) == 1


async def test_without_a_registry_rollback_says_how_to_connect_one(
    fake: FakeSlack, sqlite_url: str
) -> None:
    room = Warroom(fake, sqlite_url, config=parse_config(CONFIG))
    await room.start()
    try:
        await room.command("declare sev2 Fraud precision dropped --affects fraud-scorer")
        await room.settle()
        reply = await room.command("rollback fraud-scorer", channel=room.incident_channel(1).id)
        await room.settle()
        assert "set WARROOM_MLFLOW_URI" in reply.everything
    finally:
        await room.stop()


async def test_a_rollback_through_a_real_mlflow_server(
    fake: FakeSlack, sqlite_url: str, mlflow_server: MlflowServer, mlflow_seeder: MlflowSeeder
) -> None:
    """The model registered in a real MLflow tracking server with two versions and an alias;
    an incident affecting it; the rollback decided in Slack; the alias read back from MLflow."""
    name = f"fraud-scorer-{uuid.uuid4().hex[:8]}"
    mlflow_seeder.add_model(name)
    runs = [mlflow_seeder.add_run() for _ in range(2)]
    for run in runs:
        mlflow_seeder.add_version(name, run_id=run)
    mlflow_seeder.set_alias(name, "champion", 2)
    config = {**CONFIG, "catalog": {**CONFIG["catalog"]}}
    config["catalog"]["fraud-scorer"] = {
        **CONFIG["catalog"]["fraud-scorer"],
        "registry": {"mlflow_name": name, "alias": "champion"},
    }
    with MlflowRegistry(mlflow_server.uri) as registry:
        room = Warroom(fake, sqlite_url, config=parse_config(config), registry=registry)
        await room.start()
        try:
            fake.add_user(ML, "mel")
            channel = await declared(room)
            assert "champion → v2" in room.said(channel, "Blast radius")
            await room.command("rollback fraud-scorer", channel=channel)
            await room.settle()
            question(room, channel, "Roll back fraud-scorer from v2 to v1?")
            await room.command("decide D-1 roll back v2 drifted", channel=channel)
            await room.settle()
        finally:
            await room.stop()
    assert mlflow_seeder.aliases(name) == {"champion": 1}  # read back from MLflow itself
    [rollback] = room.rows(Rollback)
    assert rollback.status == "done"
    assert rollback.result["before"] == {"version": 2, "run_id": runs[1]}
    assert rollback.result["after"] == {"version": 1, "run_id": runs[0]}
