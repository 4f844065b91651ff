"""Drill scenario files: the shipped ones hold, and each kind of problem is named (file, key,
what), every one of them, not only the first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.config import SHIPPED_DRILLS, ConfigError
from app.drill_files import Known, load_drills, read_folder, read_scenario, unknown_systems

KNOWN = Known(["sev1", "sev2", "sev3", "sev4"], ["model-drift", "harmful-output"], ["fraud-scorer"])
GOOD = """\
title: Fraud model precision dropped 15% overnight
severity: SEV1
affects: [fraud-scorer, not-here]
playbook: model-drift
injects:
  - at: 5m
    alert: {labels: {alertname: FraudPrecisionDrop, model: fraud-scorer}, summary: "Prec 0.71"}
  - {at: 2m, as: "Fraud operations", say: "Chargeback disputes up 30% since midnight"}
targets: {first_update: 10m, roles_filled: 15m, containment: 45m}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_good_scenario_is_read_with_its_injects_in_time_order(tmp_path: Path) -> None:
    scenario, problems = read_scenario(write(tmp_path, "fraud.yaml", GOOD), KNOWN)
    assert problems == [] and scenario is not None
    assert (scenario.name, scenario.severity, scenario.playbook) == ("fraud", "sev1", "model-drift")
    assert [i.at for i in scenario.injects] == [timedelta(minutes=2), timedelta(minutes=5)]
    first, second = scenario.injects
    assert (first.who, first.say, first.alert) == (
        "Fraud operations",
        "Chargeback disputes up 30% since midnight",
        None,
    )
    assert second.alert is not None and second.alert.labels["model"] == "fraud-scorer"
    assert scenario.targets.containment == timedelta(minutes=45)
    assert unknown_systems(scenario, KNOWN.systems) == ["not-here"]


BAD = """\
title: ""
severity: sev9
playbook: hallucination
colour: red
injects:
  - {at: 5, as: "Risk", say: "Hello"}
  - {at: 2m, say: "Nobody says this"}
  - {at: 3m, as: "Risk", say: "both", alert: {labels: {a: b}, summary: "x"}}
  - {at: 4m, alert: {labels: {}, summary: "no labels", colour: red}}
  - {at: 48h, as: "Risk", say: "Too late"}
targets: {first_update: soon, containment: 45m, lunch: 1h}
"""


def test_every_problem_is_named_with_its_key(tmp_path: Path) -> None:
    scenario, problems = read_scenario(write(tmp_path, "bad.yaml", BAD), KNOWN)
    assert scenario is None
    text = "\n".join(problems)
    for expected in [
        "title: is empty",
        "severity: 'sev9' is not a severity (sev1, sev2, sev3, sev4)",
        "playbook: 'hallucination' is not a playbook (playbooks: harmful-output, model-drift)",
        "colour: unknown key (keys here: title, severity, briefing, affects, playbook, injects, "
        "targets)",
        "injects[0].at: 5 has no unit; write it like 5m or 1h30m",
        "injects[1]: say who speaks with as:",
        "injects[2]: an inject either says something (as:, say:) or fires an alert:",
        "injects[3].alert.labels: name at least one label",
        "injects[3].alert.colour: unknown key (keys here: labels, summary, value)",
        "injects[4].at: '48h' is too long; at most 1d",
        "targets.first_update: 'soon' is not a duration",
        "targets.lunch: unknown key (keys here: first_update, roles_filled, containment)",
    ]:
        assert expected in text, f"{expected!r} not in:\n{text}"


def test_the_folder_names_the_file_of_each_problem_and_loading_refuses(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    write(folder, "good.yaml", GOOD)
    write(folder, "Bad Name.yaml", GOOD)
    write(folder, "typo.yml", GOOD)
    write(folder, "broken.yaml", "title: [unclosed\n")
    write(folder, "list.yaml", "- just a list\n")
    drills, problems = read_folder(folder, KNOWN)
    assert list(drills) == ["good"]
    assert any(p.startswith(f"{folder / 'Bad Name.yaml'}: the file name") for p in problems)
    assert f"{folder / 'typo.yml'}: scenarios end in .yaml; rename it to typo.yaml" in problems
    assert any(p.startswith(f"{folder / 'broken.yaml'}: not valid YAML: line ") for p in problems)
    assert f"{folder / 'list.yaml'}: the file must be a mapping of keys" in "\n".join(problems)
    with pytest.raises(ConfigError, match="drill scenarios cannot be used"):
        load_drills(folder, KNOWN)
    assert read_folder(tmp_path / "nope", KNOWN)[1] == [
        f"WARROOM_DRILLS_DIR: {tmp_path / 'nope'} is not a folder"
    ]


def test_the_shipped_scenarios_need_the_shipped_playbooks() -> None:
    without = Known(["sev1", "sev2", "sev3", "sev4"], ["model-drift"])
    problems = read_folder(SHIPPED_DRILLS, without)[1]
    assert len(problems) == 2 and all("is not a playbook" in p for p in problems)
