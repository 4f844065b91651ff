"""The MLflow registry adapter against a real `mlflow server` (tests/mlflow_server.py).

Every test names its models with a prefix of its own: the server is shared by the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from app.integrations.mlflow_registry import MlflowRegistry
from app.integrations.registry import (
    ModelRegistry,
    ModelVersion,
    RegisteredModel,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)
from tests.fakes.registry import InMemoryRegistry
from tests.mlflow_server import MlflowSeeder, MlflowServer


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}-"


@pytest.fixture
def registry(mlflow_server: MlflowServer) -> Iterator[MlflowRegistry]:
    # Pages of two, so that three versions or five models take several requests.
    with MlflowRegistry(mlflow_server.uri, timeout=10, page_size=2) as adapter:
        yield adapter


def _fraud_model(seeder: MlflowSeeder, name: str) -> str:
    """Three versions of a fraud model, champion on 2 and challenger on 3; returns the run."""
    run = seeder.add_run()
    seeder.add_model(name, tags={"team": "risk", "tier": "1"}, description="Fraud <scoring> & co")
    seeder.add_version(name, tags={"trained_on": "2026-10"})
    seeder.add_version(name, run_id=run, source=f"runs:/{run}/model")
    seeder.add_version(name, run_id=run, source=f"runs:/{run}/model")
    seeder.set_alias(name, "champion", 2)
    seeder.set_alias(name, "challenger", 3)
    return run


def test_a_model_reads_back_with_its_aliases_tags_and_description(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name = prefix + "fraud"
    _fraud_model(mlflow_seeder, name)
    mlflow_seeder.set_model_tag(name, "owner", "")  # MLflow drops an empty value from its JSON

    assert registry.model(name) == RegisteredModel(
        name=name,
        aliases={"challenger": 3, "champion": 2},
        tags={"team": "risk", "tier": "1", "owner": ""},
        description="Fraud <scoring> & co",
    )


def test_versions_come_lowest_first_with_aliases_runs_tags_and_utc_times(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name = prefix + "fraud"
    before = datetime.now(UTC) - timedelta(seconds=1)
    run = _fraud_model(mlflow_seeder, name)
    mlflow_seeder.set_version_tag(name, 3, "validated_by", "risk-team")
    after = datetime.now(UTC) + timedelta(seconds=1)

    versions = registry.versions(name)  # three versions, pages of two

    assert [(v.version, v.aliases, v.run_id) for v in versions] == [
        (1, (), None),
        (2, ("champion",), run),
        (3, ("challenger",), run),
    ]
    assert versions[0].tags == {"trained_on": "2026-10"}
    assert versions[2].tags == {"validated_by": "risk-team"}
    assert versions[0].source == f"s3://warroom-tests/{name}/model"
    assert versions[1].source == f"runs:/{run}/model"
    assert {v.status for v in versions} == {"READY"}
    for v in versions:
        assert v.created_at is not None and v.created_at.tzinfo is UTC
        assert before <= v.created_at <= after
    times = [v.created_at for v in versions]
    assert times == sorted(times)  # type: ignore[type-var]


def test_one_version_is_the_same_as_in_the_list(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name = prefix + "fraud"
    _fraud_model(mlflow_seeder, name)

    listed = registry.versions(name)

    assert [registry.version(name, n) for n in (1, 2, 3)] == listed


def test_every_model_comes_back_once_across_pages(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    names = [f"{prefix}model-{i}" for i in (4, 1, 3, 0, 2)]
    for name in names:
        mlflow_seeder.add_model(name, tags={"n": name[-1]})
    mlflow_seeder.add_version(names[0])
    mlflow_seeder.set_alias(names[0], "champion", 1)

    ours = [m for m in registry.models() if m.name.startswith(prefix)]  # pages of two

    assert [m.name for m in ours] == sorted(names)
    assert ours[-1] == RegisteredModel(names[0], {"champion": 1}, {"n": "4"})


def test_an_alias_names_its_version_and_an_unset_one_names_none(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name, empty = prefix + "fraud", prefix + "empty"
    _fraud_model(mlflow_seeder, name)
    mlflow_seeder.add_model(empty)

    champion = registry.version_by_alias(name, "champion")

    assert champion is not None and (champion.version, champion.aliases) == (2, ("champion",))
    assert registry.version_by_alias(name, "shadow") is None  # MLflow answers 400 for this
    assert registry.version_by_alias(name, "Champion") is None  # aliases are case-sensitive
    latest = registry.version_by_alias(name, "latest")  # MLflow's own: the highest version
    assert latest is not None and latest.version == 3
    assert registry.version_by_alias(empty, "latest") is None  # MLflow answers 404 for this


def test_a_missing_model_version_or_alias_is_not_found(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name, missing = prefix + "fraud", prefix + "nobody"
    _fraud_model(mlflow_seeder, name)

    calls: list[Callable[[], object]] = [
        lambda: registry.model(missing),
        lambda: registry.versions(missing),
        lambda: registry.version(name, 9),
        lambda: registry.version(missing, 1),
        lambda: registry.version_by_alias(missing, "champion"),
        lambda: registry.set_alias(name, "champion", 9),
        lambda: registry.set_alias(missing, "champion", 1),
    ]
    for call in calls:
        with pytest.raises(RegistryNotFound) as raised:
            call()
        assert "\n" not in str(raised.value) and "?" not in str(raised.value)
    assert registry.model(name).aliases == {"challenger": 3, "champion": 2}  # nothing moved


def test_set_alias_moves_it_and_mlflow_reads_it_back(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name = prefix + "fraud"
    _fraud_model(mlflow_seeder, name)

    registry.set_alias(name, "champion", 1)  # the rollback: champion from v2 back to v1
    registry.set_alias(name, "previous-champion", 2)  # a new alias

    assert mlflow_seeder.aliases(name) == {"champion": 1, "challenger": 3, "previous-champion": 2}
    champion = registry.version_by_alias(name, "champion")
    assert champion is not None and champion.version == 1
    assert [v.aliases for v in registry.versions(name)] == [
        ("champion",),
        ("previous-champion",),
        ("challenger",),
    ]


def test_an_alias_name_mlflow_refuses_is_a_plain_registry_error(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    name = prefix + "fraud"
    _fraud_model(mlflow_seeder, name)

    for alias, words in [("latest", "reserved"), ("v2", "reserved"), ("has space", "Invalid")]:
        with pytest.raises(RegistryError) as raised:
            registry.set_alias(name, alias, 1)
        assert type(raised.value).__name__ == "_Refused"  # not NotFound, not Unavailable
        assert words in str(raised.value) and "\n" not in str(raised.value)
    assert registry.model(name).aliases == {"challenger": 3, "champion": 2}


def test_names_with_quotes_list_their_own_versions_only(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    single, both, lookalike = prefix + "it's", prefix + 'say "it\'s"', prefix + "say _it_s_"
    for name, count in [(single, 1), (both, 2), (lookalike, 3)]:
        mlflow_seeder.add_model(name)
        for _ in range(count):
            mlflow_seeder.add_version(name)

    assert [v.version for v in registry.versions(single)] == [1]
    assert [(v.name, v.version) for v in registry.versions(both)] == [(both, 1), (both, 2)]
    assert [v.version for v in registry.versions(lookalike)] == [1, 2, 3]


def test_a_stopped_server_is_unavailable_quickly(mlflow_bin: str, tmp_path: Path) -> None:
    server = MlflowServer(mlflow_bin, tmp_path)
    server.start()
    try:
        seeder = MlflowSeeder(server.uri)
        seeder.add_model("fraud")
        seeder.close()
        adapter = MlflowRegistry(server.uri, timeout=0.5)
        assert adapter.model("fraud").name == "fraud"  # and a kept-alive connection
    finally:
        server.stop()

    calls: list[Callable[[], object]] = [
        lambda: adapter.model("fraud"),
        adapter.models,
        lambda: adapter.versions("fraud"),
        lambda: adapter.version("fraud", 1),
        lambda: adapter.version_by_alias("fraud", "champion"),
        lambda: adapter.set_alias("fraud", "champion", 1),
    ]
    for call in calls:
        with pytest.raises(RegistryUnavailable) as raised:
            call()
        assert str(raised.value).startswith(f"MLflow at {server.uri} could not be reached")
        assert "fraud" not in str(raised.value)  # no query string
    adapter.close()


# The in-memory fake and the real adapter, the same calls: the same answers.


class _Seeds(Protocol):
    def add_model(
        self, name: str, *, tags: dict[str, str] | None = None, description: str = ""
    ) -> None: ...

    def add_version(
        self, name: str, *, run_id: str | None = None, tags: dict[str, str] | None = None
    ) -> int: ...


def _scenario(seeds: _Seeds, registry: ModelRegistry, prefix: str) -> list[Any]:
    name, missing = prefix + "fraud", prefix + "nobody"
    seeds.add_model(name, tags={"team": "risk"}, description="Fraud scoring")
    seeds.add_model(prefix + "empty")
    seeds.add_version(name, tags={"trained_on": "2026-10"})
    seeds.add_version(name, run_id="a1b2c3")
    seeds.add_version(name)
    registry.set_alias(name, "champion", 2)
    registry.set_alias(name, "challenger", 3)
    registry.set_alias(name, "champion", 1)  # moved
    answers: list[Any] = [
        registry.model(name),
        [m for m in registry.models() if m.name.startswith(prefix)],
        registry.versions(name),
        registry.versions(prefix + "empty"),
        registry.version(name, 3),
    ]
    answers += [registry.version_by_alias(name, a) for a in ("champion", "shadow", "LATEST")]
    answers.append(registry.version_by_alias(prefix + "empty", "latest"))
    failing: list[Callable[[], object]] = [
        lambda: registry.model(missing),
        lambda: registry.versions(missing),
        lambda: registry.version(name, 4),
        lambda: registry.version_by_alias(missing, "champion"),
        lambda: registry.set_alias(name, "champion", 4),
        lambda: registry.set_alias(name, "Latest", 1),
        lambda: registry.set_alias(name, "V1", 1),
        lambda: registry.set_alias(name, "no way", 1),
    ]
    for call in failing:
        try:
            call()
        except RegistryError as exc:
            answers.append(_public_type(exc))
    return [_without_times(a) for a in answers]


def _public_type(exc: RegistryError) -> type[RegistryError]:
    for kind in (RegistryNotFound, RegistryUnavailable):
        if isinstance(exc, kind):
            return kind
    return RegistryError


def _without_times(answer: Any) -> Any:
    """Creation times differ by when each was seeded; their form is checked apart."""
    if isinstance(answer, list):
        return [_without_times(a) for a in answer]
    if isinstance(answer, ModelVersion):
        created = answer.created_at
        assert created is not None and created.tzinfo is UTC and created.microsecond % 1000 == 0
        return replace(answer, created_at=None)
    return answer


def test_the_in_memory_fake_answers_as_the_real_adapter_does(
    registry: MlflowRegistry, mlflow_seeder: MlflowSeeder, prefix: str
) -> None:
    fake = InMemoryRegistry()

    real_answers = _scenario(mlflow_seeder, registry, prefix)
    fake_answers = _scenario(fake, fake, prefix)

    assert fake_answers == real_answers
    assert real_answers[-8:] == [RegistryNotFound] * 5 + [RegistryError] * 3


def test_the_fake_fails_the_next_calls_when_told() -> None:
    fake = InMemoryRegistry()
    fake.add_model("fraud")
    fake.fail_next(times=2)

    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            fake.model("fraud")
    assert fake.model("fraud").name == "fraud"
    assert fake.calls == [("model", ("fraud",))] * 3
