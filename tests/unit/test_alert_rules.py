"""Rule matching: which rule an alert's labels match decides what the alert leads to."""

import re

import pytest

from app.domain import alert_rules
from app.domain.alert_rules import RuleBook, decide
from app.domain.alerts import Decided, Rule

DEFAULT = Rule("propose", "sev3")
CRITICAL = Rule("declare", "sev1", match={"severity": "critical"})
DRIFT = Rule("propose", "sev2", "model-drift", match_re={"alertname": "Model.*Drift.*"})


def test_the_first_matching_rule_wins_and_is_named_by_index() -> None:
    labels = {"severity": "critical", "alertname": "ModelFeatureDrift"}
    assert decide([CRITICAL, DRIFT], DEFAULT, labels) == Decided("declare", "sev1", None, 0)
    assert decide([DRIFT, CRITICAL], DEFAULT, labels) == Decided(
        "propose", "sev2", "model-drift", 0
    )
    only_drift = {"severity": "warning", "alertname": "ModelFeatureDrift"}
    assert decide([CRITICAL, DRIFT], DEFAULT, only_drift).rule == 1


def test_nothing_matching_gets_the_default_with_no_rule() -> None:
    book = RuleBook([CRITICAL, DRIFT], Rule("note", "sev4", "serving-infrastructure"))
    decided = book.decide({"severity": "warning", "alertname": "HighLatency"})
    assert decided == Decided("note", "sev4", "serving-infrastructure", None)
    assert book.decide({}) == Decided("note", "sev4", "serving-infrastructure", None)


@pytest.mark.parametrize(
    ("labels", "matches"),
    [
        ({"severity": "critical"}, True),
        ({"severity": "critical", "team": "fraud"}, True),  # other labels do not matter
        ({"severity": "Critical"}, False),  # exact: case counts
        ({"severity": "critical "}, False),
        ({"severity": "crit"}, False),
        ({"team": "fraud"}, False),  # absent is not equal
    ],
)
def test_match_is_exact_string_equality(labels: dict[str, str], matches: bool) -> None:
    assert (decide([CRITICAL], DEFAULT, labels).rule == 0) is matches


@pytest.mark.parametrize(
    ("alertname", "matches"),
    [
        ("ModelDrift", True),
        ("ModelFeatureDriftPSI", True),
        ("FraudModelDrift", False),  # anchored at the start, like Alertmanager's =~
        ("ModelDrif", False),
        ("modeldrift", False),
    ],
)
def test_match_re_must_match_the_whole_value(alertname: str, matches: bool) -> None:
    assert (decide([DRIFT], DEFAULT, {"alertname": alertname}).rule == 0) is matches


def test_match_re_is_anchored_at_the_end_too_and_wants_the_label_present() -> None:
    rule = Rule("ignore", match_re={"env": "staging|dev"})
    assert decide([rule], DEFAULT, {"env": "dev"}).action == "ignore"
    assert decide([rule], DEFAULT, {"env": "development"}).action == "propose"
    assert decide([rule], DEFAULT, {"env": "prod-staging"}).action == "propose"
    # Even an expression that matches the empty string wants the label to exist.
    anything = Rule("ignore", match_re={"env": ".*"})
    assert decide([anything], DEFAULT, {}).rule is None
    assert decide([anything], DEFAULT, {"env": ""}).rule == 0


def test_a_rule_with_both_matchers_wants_all_of_them() -> None:
    rule = Rule(
        "declare",
        "sev1",
        match={"severity": "critical", "team": "fraud"},
        match_re={"alertname": "Model.*", "model": "fraud-.+"},
    )
    every = {"severity": "critical", "team": "fraud", "alertname": "ModelDown", "model": "fraud-v2"}
    assert decide([rule], DEFAULT, every).rule == 0
    for key, wrong in [("severity", "warning"), ("team", "ads"), ("alertname", "Disk")]:
        assert decide([rule], DEFAULT, {**every, key: wrong}).rule is None
    assert decide([rule], DEFAULT, {**every, "model": "fraud-"}).rule is None
    without = {k: v for k, v in every.items() if k != "model"}
    assert decide([rule], DEFAULT, without).rule is None


def test_a_rule_without_matchers_matches_every_alert_and_hides_later_rules() -> None:
    catch_all = Rule("note")
    assert decide([catch_all, CRITICAL], DEFAULT, {"severity": "critical"}).rule == 0
    assert decide([CRITICAL, catch_all], DEFAULT, {}).rule == 1


def test_a_rule_without_severity_takes_the_defaults_but_not_its_playbook() -> None:
    rule = Rule("declare", match={"severity": "critical"})
    default = Rule("propose", "sev2", "model-drift")
    decided = decide([rule], default, {"severity": "critical"})
    assert decided == Decided("declare", "sev2", None, 0)


def test_a_rule_book_compiles_once_and_names_a_bad_expression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[str] = []

    def counting(text: str) -> re.Pattern[str]:
        compiled.append(text)
        return re.compile(text)

    monkeypatch.setattr(alert_rules, "compile_pattern", counting)
    book = RuleBook([DRIFT], DEFAULT)
    assert [book.decide({"alertname": f"Model{n}Drift"}).rule for n in range(3)] == [0, 0, 0]
    assert compiled == ["Model.*Drift.*"]
    monkeypatch.undo()
    with pytest.raises(ValueError, match=r"rules\[1\]\.match_re\.alertname: 'Model\(' is not"):
        RuleBook([CRITICAL, Rule("note", match_re={"alertname": "Model("})], DEFAULT)
