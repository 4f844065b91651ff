"""The catalog: validation, cycles, the transitive blast radius, close matches, owners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.catalog_config import check_catalog
from app.config import ConfigError, load_config, parse_config
from app.domain.catalog import Catalog, System, find_cycle
from app.domain.errors import NotFound
from app.services.context import ServiceContext

ROLES = {"commander", "tech-lead", "comms", "scribe", "risk-owner"}


def chain(n: int) -> Catalog:
    """s0 ← s1 ← … ← s(n-1): each depends on the one before."""
    systems = {
        f"s{i}": System(f"s{i}", "model", depends_on=(f"s{i - 1}",) if i else ()) for i in range(n)
    }
    return Catalog(systems)


def test_the_radius_is_everything_downstream_transitively_and_nothing_upstream() -> None:
    catalog = chain(6)
    radius = catalog.blast_radius(["s2"])
    assert [s.key for s in radius.affected] == ["s2"]
    assert [s.key for s in radius.downstream] == ["s3", "s4", "s5"]


def test_the_radius_counts_a_shared_dependant_once_and_collects_functions() -> None:
    config = parse_config(
        {
            "business_functions": {"risk": {"name": "Risk", "owners": ["U0RISK001", "S0TEAM001"]}},
            "catalog": {
                "a": {"kind": "feature_store", "owners": ["U0DATA001"]},
                "b": {"kind": "dataset"},
                "m": {"kind": "model", "depends_on": ["a", "b"], "serves": ["risk"]},
            },
        }
    )
    radius = config.catalog_model().blast_radius(["a", "b"])
    assert [s.key for s in radius.downstream] == ["m"]
    assert [f.name for f in radius.functions] == ["Risk"]
    assert radius.owners == ("U0DATA001", "U0RISK001", "S0TEAM001")


def test_a_tier_in_the_radius_is_its_most_severe() -> None:
    catalog = Catalog(
        {
            "fs": System("fs", "feature_store", risk_tier="moderate"),
            "m": System("m", "model", depends_on=("fs",), risk_tier="critical"),
        }
    )
    assert catalog.blast_radius(["fs"]).highest_tier == "critical"


def test_unknown_names_get_close_matches() -> None:
    catalog = chain(3)
    with pytest.raises(NotFound) as refused:
        catalog.systems_named(["s1", "s9", "zzz"])
    assert "`s9` is not in the catalog. Did you mean" in refused.value.message
    assert "`zzz` is not in the catalog. `/incident catalog` lists them." in refused.value.message


def test_cycles_are_found_and_named_however_deep() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": []}) is None
    deep = {f"s{i}": [f"s{i + 1}"] for i in range(5000)}
    assert find_cycle(deep) is None  # no recursion limit
    deep["s4999"] = ["s0"]
    cycle = find_cycle(deep)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == 5001


def test_every_catalog_problem_is_named_at_once() -> None:
    raw: dict[str, Any] = {
        "business_functions": {"risk": {"name": "Risk", "role": "no-such-role"}},
        "catalog": {
            "a": {"kind": "modle"},
            "b": {"kind": "model", "depends_on": ["c", "ghost"], "serves": ["sales"]},
            "c": {"kind": "model", "depends_on": ["b"], "owners": ["bob"], "risk_tier": "huge"},
            "Bad Name": {"kind": "model"},
        },
    }
    problems = check_catalog(raw, ROLES)
    text = "\n".join(problems)
    assert "catalog.a.kind" in text
    assert "catalog.c.owners" in text and "catalog.c.risk_tier" in text
    assert "catalog.b.depends_on: 'ghost' is not in the catalog" in text
    assert "catalog.b.serves: 'sales' is not a business function" in text
    assert "business_functions.risk.role: 'no-such-role' is not a role" in text
    assert "catalog.Bad Name: not a valid system name" in text
    assert "'c' is not in the catalog" not in text  # c exists, it is only invalid
    with pytest.raises(ConfigError, match=r"catalog\.c\.owners"):
        parse_config(raw)


def test_a_valid_catalog_has_no_problem() -> None:
    raw = {"catalog": {"a": {"kind": "service"}, "b": {"kind": "model", "depends_on": ["a"]}}}
    assert check_catalog(raw, ROLES) == []


def test_a_catalog_file_is_read_relative_to_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "catalog.yaml").write_text(
        "business_functions:\n  risk: {name: Risk}\n"
        "catalog:\n  fraud-scorer: {kind: model, serves: [risk]}\n"
    )
    config = tmp_path / "warroom.yaml"
    config.write_text(
        "catalog_file: models/catalog.yaml\ncatalog:\n  fs-online: {kind: feature_store}\n"
    )
    loaded = load_config(config)
    assert set(loaded.catalog) == {"fs-online", "fraud-scorer"}
    config.write_text(
        "catalog_file: models/catalog.yaml\ncatalog:\n  fraud-scorer: {kind: model}\n"
    )
    with pytest.raises(ConfigError, match="fraud-scorer defined inline and in"):
        load_config(config)


class Groups:
    def members_of(self, group_id: str) -> frozenset[str]:
        return frozenset({"S0TEAM001": {"U0B", "U0A"}}.get(group_id, set()))


def test_user_groups_are_expanded_into_people_once(tmp_path: Path) -> None:
    from app.config import WarroomConfig
    from app.persistence.engine import Database, make_engine
    from tests.harness import FakeClock

    ctx = ServiceContext(
        Database(make_engine(f"sqlite:///{tmp_path / 'x.db'}")),
        WarroomConfig(),
        FakeClock(),
        groups=Groups(),
    )
    assert ctx.people_of(["U0A", "S0TEAM001", "U0C"]) == ["U0A", "U0B", "U0C"]
