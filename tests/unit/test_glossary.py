"""The glossary: matching terms in what people write, the shipped file, and its export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from app.config import SHIPPED_PLAYBOOKS, ConfigError
from app.domain.errors import NotAllowed
from app.domain.glossary import Glossary, Term, ensure_may_edit
from app.glossary_file import export_yaml, glossary_problems, load_glossary, read_glossary

GLOSSARY = Glossary(
    [
        Term("PSI", "Population stability index", ("population stability index",)),
        Term("drift", "Inputs moved"),
        Term("concept drift", "Outcomes moved"),
        Term("canary", "A small release first", ("canary release",)),
        Term("feature store", "Shared model inputs"),
        Term("A/B test", "Two versions side by side"),
    ]
)


def used(*texts: str, most: int = 3) -> list[str]:
    return [t.term for t in GLOSSARY.used_in(texts, most)]


def test_terms_match_whole_words_in_any_case_with_a_plural_s() -> None:
    assert used("psi is 0.31") == ["PSI"]
    assert used("two PSIs rose") == ["PSI"]
    assert used("the PSIX index", "drifted away", "canaryish") == []
    assert used("the Feature\nStore is down") == ["feature store"]
    assert used("halt the a/b test now") == ["A/B test"]


def test_a_longer_term_wins_over_one_inside_it_and_each_term_counts_once() -> None:
    assert used("concept drift, then more drift") == ["concept drift", "drift"]
    registry = Glossary([Term("model", "A program"), Term("model registry", "Its versions")])
    assert [t.term for t in registry.used_in(["the model registry"])] == ["model registry"]
    assert used("the canary release, the canary", "PSI and psi") == ["canary", "PSI"]


def test_at_most_three_in_order_of_appearance_across_the_texts() -> None:
    assert used("canary first", "then PSI, drift and the feature store") == [
        "canary",
        "PSI",
        "drift",
    ]
    assert used("canary, PSI", most=1) == ["canary"]


def test_find_by_name_or_alias_and_suggest_close_spellings() -> None:
    assert GLOSSARY.find(" Population   Stability Index ").term == "PSI"  # type: ignore[union-attr]
    assert GLOSSARY.find("nothing") is None
    assert [t.term for t in GLOSSARY.close_to("feture stor")] == ["feature store"]
    assert [t.term for t in GLOSSARY.close_to("canary relase")] == ["canary"]


def test_a_term_added_in_slack_replaces_the_definition_and_keeps_the_rest() -> None:
    shipped = Glossary([Term("PSI", "Old", ("population stability index",), "Early warning")])
    added = shipped.plus([Term("psi", "New", added_by="U0ALICE01")])
    term = added.find("population stability index")
    assert term is not None
    assert (term.definition, term.why, term.added_by) == ("New", "Early warning", "U0ALICE01")
    assert len(added) == 1


def test_an_added_term_named_like_an_alias_is_its_own_term() -> None:
    glossary = GLOSSARY.plus([Term("canary release", "Ours", added_by="U0ALICE01")])
    assert glossary.find("canary release").definition == "Ours"  # type: ignore[union-attr]
    assert glossary.find("canary").definition == "A small release first"  # type: ignore[union-attr]


def test_admins_anywhere_and_the_commander_in_their_incident_may_edit() -> None:
    ensure_may_edit("U0ADMIN01", None, {"U0ADMIN01"}, None)
    ensure_may_edit("U0ALICE01", "U0ALICE01", set(), "INC-4")
    with pytest.raises(NotAllowed, match=r"commander of INC-4 \(<@U0ALICE01>\)"):
        ensure_may_edit("U0BOBBY01", "U0ALICE01", set(), "INC-4")
    with pytest.raises(NotAllowed, match="outside an incident channel"):
        ensure_may_edit("U0ALICE01", None, set(), None)


def test_the_shipped_glossary_holds_the_practice_words() -> None:
    assert glossary_problems(SHIPPED_PLAYBOOKS) == []
    glossary = load_glossary(SHIPPED_PLAYBOOKS)
    for word in (
        "drift",
        "data drift",
        "concept drift",
        "PSI",
        "precision",
        "recall",
        "false positive",
        "feature store",
        "model registry",
        "champion",
        "challenger",
        "rollback",
        "fallback",
        "shadow mode",
        "canary",
        "MTTD",
        "MTTR",
        "sev1",
        "sev4",
        "risk tier",
        "RACI",
    ):
        term = glossary.find(word)
        assert term is not None and term.definition, word
    assert all(t.why for t in glossary)


def test_each_glossary_problem_is_named(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text(
        "PSI: {definition: Stability, colour: red}\n"
        "psi: Again\n"
        "drift: {aliases: [moved]}\n"
        "canary: {definition: Small first, aliases: [PSI]}\n"
        f"shadow: {{definition: {'x' * 501}}}\n"
        "empty: ''\n"
    )
    problems = glossary_problems(tmp_path)
    path = tmp_path / "glossary.yaml"
    assert problems == [
        f"{path}: PSI.colour: unknown key (keys: definition, aliases, why)",
        f"{path}: drift.definition: missing (required)",
        f"{path}: shadow.definition: is 501 characters; keep a definition to 500",
        f"{path}: empty.definition: is empty",
        f"{path}: canary: 'PSI' already names 'psi'",
    ]
    with pytest.raises(ConfigError, match="the glossary cannot be used"):
        load_glossary(tmp_path)


def test_a_folder_without_a_glossary_has_an_empty_one(tmp_path: Path) -> None:
    assert len(load_glossary(tmp_path)) == 0
    (tmp_path / "glossary.yaml").write_text("PSI: [a, b\n")
    [problem] = read_glossary(tmp_path)[1]
    assert problem.startswith(f"{tmp_path / 'glossary.yaml'}: not valid YAML: line 2, column 1: ")


def test_the_export_is_a_glossary_file_with_added_terms_marked(tmp_path: Path) -> None:
    at = datetime(2026, 11, 22, 2, 5, tzinfo=UTC)
    terms = [
        Term("PSI", "Stability", ("population stability index",), "Early warning"),
        Term("shadow mode", "Runs unused <!here>", added_by="U0ALICE01", added_at=at),
        Term("PSI2", "x", added_by="U0ALICE01", added_at=at, updated_by="U0BOBBY01", updated_at=at),
    ]
    text = export_yaml(terms)
    assert "# added in Slack by U0ALICE01 on 2026-11-22 02:05 UTC\nshadow mode:" in text
    assert "# added in Slack by U0ALICE01 on 2026-11-22 02:05 UTC; changed by U0BOBBY01" in text
    assert text.count("# added in Slack") == 2  # shipped terms are not marked
    (tmp_path / "glossary.yaml").write_text(text)
    folded = load_glossary(tmp_path)
    assert folded.find("shadow mode").definition == "Runs unused <!here>"  # type: ignore[union-attr]
    assert folded.find("population stability index").why == "Early warning"  # type: ignore[union-attr]
    assert yaml.safe_load(text)["PSI"]["aliases"] == ["population stability index"]
