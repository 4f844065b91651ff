"""The `alerts:` section: defaults, the example from the README, and each refusal naming the key."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.config import ConfigError, load_config, parse_config
from app.domain.alerts import Decided

EXAMPLE = """
alerts:
  triage_channel: "#ml-alerts"
  system_label: service
  storm_window: 5m
  rules:
    - match: {severity: critical}
      action: declare
      severity: sev1
    - match_re: {alertname: "Model.*Drift.*"}
      action: propose
      severity: sev2
      playbook: model-drift
    - match: {env: staging}
      action: ignore
  default: {action: note, severity: sev4}
"""


def test_defaults_propose_at_sev3_in_the_announcements_channel() -> None:
    config = load_config(None)
    assert config.alerts.triage_channel is None  # the announcements channel
    assert config.alerts.system_label == "model"
    assert config.alerts.storm_window == timedelta(minutes=15)
    assert config.alert_rules().decide({"severity": "critical"}) == Decided(
        "propose", "sev3", None, None
    )


def test_without_a_sev3_the_default_proposes_at_the_least_severe() -> None:
    config = parse_config({"severities": {"p1": {"label": "Outage"}, "p2": {"label": "Slow"}}})
    assert config.alert_rules().decide({}).severity == "p2"


def test_the_readme_example_is_read_and_decides(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(EXAMPLE)
    config = load_config(path)
    assert config.alerts.triage_channel == "#ml-alerts"
    assert config.alerts.system_label == "service"
    assert config.alerts.storm_window == timedelta(minutes=5)
    rules = config.alert_rules()
    assert rules.decide({"severity": "critical", "env": "staging"}) == Decided(
        "declare", "sev1", None, 0
    )
    assert rules.decide({"alertname": "ModelPredictionDrift"}) == Decided(
        "propose", "sev2", "model-drift", 1
    )
    assert rules.decide({"env": "staging"}) == Decided("ignore", "sev4", None, 2)
    assert rules.decide({"alertname": "DiskFull"}) == Decided("note", "sev4", None, None)


def test_a_declare_rule_may_leave_its_severity_to_the_default() -> None:
    config = parse_config(
        {
            "alerts": {
                "rules": [{"match": {"severity": "critical"}, "action": "declare"}],
                "default": {"action": "ignore", "severity": "sev2"},
            }
        }
    )
    assert config.alert_rules().decide({"severity": "critical"}).severity == "sev2"


def _rule(**given: object) -> dict:
    return {"alerts": {"rules": [{"action": "propose", **given}]}}


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (_rule(action="page"), "alerts.rules.0.action: Input should be 'declare', 'propose'"),
        (_rule(severity="p1"), "alerts.rules.0.severity: 'p1' is not one of the severities"),
        (
            {"alerts": {"default": {"action": "propose", "severity": "sev9"}}},
            "alerts.default.severity: 'sev9' is not one of the severities",
        ),
        (
            {"alerts": {"default": {"action": "ignore"}, "rules": [{"action": "declare"}]}},
            "alerts.rules.0.severity: declaring needs a severity",
        ),
        (
            {"alerts": {"default": {"action": "declare"}}},
            "alerts.default.severity: declaring needs a severity",
        ),
        (
            _rule(match_re={"alertname": "Model("}),
            "alerts.rules.0.match_re: alertname: 'Model(' is not a regular expression "
            "(missing ), unterminated subpattern at position 5)",
        ),
        (_rule(match={"severity": ""}), "alerts.rules.0.match: severity: give a value"),
        (_rule(match_re={"env": ""}), "alerts.rules.0.match_re: env: give a value"),
        (
            _rule(match={"code": 500}),
            'alerts.rules.0.match: code: 500 is not text; quote it: "500"',
        ),
        (
            _rule(match={"paged": True}),
            'alerts.rules.0.match: paged: true is not text; quote it: "true"',
        ),
        (_rule(match={"team": ["a"]}), "alerts.rules.0.match: team: give the value as text"),
        (_rule(matches={"a": "b"}), "alerts.rules.0.matches: unknown key"),
        ({"alerts": {"rules": [{"severity": "sev1"}]}}, "alerts.rules.0.action: Field required"),
        (
            {"alerts": {"default": {"action": "ignore", "match": {"a": "b"}}}},
            "alerts.default.match: unknown key",
        ),
        ({"alerts": {"storm_window": "soon"}}, "alerts.storm_window: 'soon' is not a duration"),
        ({"alerts": {"triage_channel": " "}}, "alerts.triage_channel: name a channel"),
        ({"alerts": {"system_label": ""}}, "alerts.system_label: name the label"),
        ({"alerts": {"rules": {"a": 1}}}, "alerts.rules: Input should be a valid list"),
    ],
)
def test_a_bad_alerts_section_names_the_key_and_the_problem(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"warroom.yaml: {named}")):
        parse_config(raw, source="warroom.yaml")


def test_the_second_rule_is_named_by_its_index() -> None:
    raw = {
        "alerts": {
            "rules": [
                {"match_re": {"a": "ok"}, "action": "note"},
                {"match_re": {"a": "[z-a]"}, "action": "note"},
            ]
        }
    }
    with pytest.raises(ConfigError, match=r"alerts\.rules\.1\.match_re: a: '\[z-a\]'"):
        parse_config(raw)


def test_a_rule_naming_a_playbook_is_checked_against_the_playbooks() -> None:
    config = parse_config(
        {
            "alerts": {
                "rules": [
                    {"action": "propose", "playbook": "model-drift"},
                    {"action": "propose", "playbook": "hallucination"},
                ],
                "default": {"action": "propose", "playbook": "gremlins"},
            }
        }
    )
    problems = config.alerts.playbook_problems(["model-drift", "harmful-output"])
    assert problems == [
        "alerts.rules.1.playbook: 'hallucination' is not a playbook "
        "(playbooks: harmful-output, model-drift)",
        "alerts.default.playbook: 'gremlins' is not a playbook "
        "(playbooks: harmful-output, model-drift)",
    ]
