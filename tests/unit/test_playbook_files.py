"""Playbook files: the shipped ones hold, and each kind of problem is named (file, key, what)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.config import SHIPPED_PLAYBOOKS, ConfigError, parse_config
from app.domain.playbooks import EVIDENCE_KINDS, PHASES
from app.playbook_files import (
    catalog_playbook_problems,
    load_playbooks,
    playbook_problems,
    read_playbook,
)

ROLES = ("commander", "tech-lead", "comms", "scribe")
SHIPPED = {
    "model-drift",
    "data-pipeline-failure",
    "feature-store-outage",
    "harmful-output",
    "serving-infrastructure",
    "security-adversarial",
}
GOOD = """\
title: Model drift
phases:
  detection:
    steps:
      - {id: confirm-drop, text: "Confirm the drop", role: tech-lead, required: true}
  remediation:
    options:
      - {id: retrain, text: "Retrain", effort: "1 d", risk: low, rollback: "v41", success: "ok"}
    steps:
      - {id: root-cause, text: "Record the root cause", role: tech-lead, required: true}
"""


def problems_of(tmp_path: Path, text: str, name: str = "drift", roles: tuple = ROLES) -> list[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return playbook_problems(tmp_path, roles)


def test_every_shipped_playbook_passes_the_check() -> None:
    assert playbook_problems(SHIPPED_PLAYBOOKS, ROLES) == []
    playbooks = load_playbooks(SHIPPED_PLAYBOOKS, ROLES)
    assert set(playbooks) >= SHIPPED


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_shipped_playbook_covers_what_the_practice_asks(name: str) -> None:
    """Signals, severity guidance, evidence with kinds, containment, a menu of fixes each with
    effort, risk, rollback and success, verification criteria, comms, escalation."""
    playbook = load_playbooks(SHIPPED_PLAYBOOKS, ROLES)[name]
    assert playbook.signals and playbook.severity_guidance and playbook.comms
    assert playbook.escalate_when and playbook.summary
    assert [p.name for p in playbook.phases] == list(PHASES)
    for phase in PHASES:
        assert any(s.required for s in playbook.phase(phase).steps), phase
    assert {s.evidence for s in playbook.steps if s.evidence} <= set(EVIDENCE_KINDS)
    assert any(s.evidence for s in playbook.steps)
    menu = playbook.phase("remediation").options
    assert len(menu) >= 2
    assert all(o.effort and o.risk and o.rollback and o.success for o in menu)
    assert all(s.role in ROLES for s in playbook.steps)


def test_a_good_file_becomes_a_playbook_with_the_hash_of_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text(GOOD)
    playbook = load_playbooks(tmp_path, ROLES)["drift"]
    assert playbook.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.name for p in playbook.phases] == ["detection", "remediation"]
    assert playbook.step("confirm-drop").required  # type: ignore[union-attr]
    assert playbook.phase("remediation").options[0].rollback == "v41"


def test_the_glossary_and_other_files_are_not_playbooks(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text("PSI: population stability index\n")
    (tmp_path / "README.md").write_text("# notes\n")
    assert load_playbooks(tmp_path, ROLES) == {}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        pytest.param(
            ("title: Model drift", "title: Model drift\ncolour: red"),
            "drift.yaml: colour: unknown key",
            id="unknown key at the top",
        ),
        pytest.param(
            ("required: true}", "required: true, owner: dana}"),
            "drift.yaml: phases.detection.steps[0].owner: unknown key",
            id="unknown key in a step",
        ),
        pytest.param(
            ('success: "ok"}', 'success: "ok", cost: 3}'),
            "drift.yaml: phases.remediation.options[0].cost: unknown key",
            id="unknown key in an option",
        ),
        pytest.param(
            ("  detection:", "  detecton:"),
            "drift.yaml: phases.detecton: not a phase",
            id="phase name",
        ),
        pytest.param(
            ("id: root-cause", "id: confirm-drop"),
            "drift.yaml: phases.remediation.steps[0].id: 'confirm-drop' is already the id of "
            "the step at phases.detection.steps[0]",
            id="duplicate step id across phases",
        ),
        pytest.param(
            ("role: tech-lead, required: true}\n  remediation", "role: sre}\n  remediation"),
            "drift.yaml: phases.detection.steps[0].role: 'sre' is not a role",
            id="role",
        ),
        pytest.param(
            ("role: tech-lead, required: true}\n  remediation", "evidence: logs}\n  remediation"),
            "drift.yaml: phases.detection.steps[0].evidence: 'logs' is not an evidence kind",
            id="evidence kind",
        ),
        pytest.param(
            ('"Confirm the drop"', '"' + "Confirm the drop " * 5 + '"'),
            "drift.yaml: phases.detection.steps[0].text: is 84 characters; a checklist item "
            "shows at most 75",
            id="step text too long for a checkbox",
        ),
        pytest.param(
            ('"Retrain"', '"' + "r" * 76 + '"'),
            "drift.yaml: phases.remediation.options[0].text: is 76 characters",
            id="option text too long",
        ),
        pytest.param(
            ("id: confirm-drop", "id: " + "c" * 61),
            "drift.yaml: phases.detection.steps[0].id: 'cccccccccccccccccccc'… is 61 characters",
            id="id too long",
        ),
        pytest.param(
            ("id: confirm-drop", "id: Confirm Drop"),
            "drift.yaml: phases.detection.steps[0].id: 'Confirm Drop': use lowercase letters",
            id="id characters",
        ),
        pytest.param(
            ("title: Model drift", "summary: no title"),
            "drift.yaml: title: missing (required)",
            id="missing title",
        ),
        pytest.param(
            ("  detection:\n", "  detection:\n    options: [{id: x, text: fix}]\n"),
            "drift.yaml: phases.detection.options: only remediation has a menu of fixes",
            id="options outside remediation",
        ),
        pytest.param(
            ("      - {id: retrain,", "      - {id: retrain, text: again}\n      - {id: retrain,"),
            "drift.yaml: phases.remediation.options[1].id: 'retrain' is already the id of the "
            "option at phases.remediation.options[0]",
            id="duplicate option id",
        ),
        pytest.param(
            ("title: Model drift", "title: [Model drift"),
            "drift.yaml: not valid YAML: line 2, column",
            id="invalid YAML",
        ),
        pytest.param(
            ("  remediation:", "  detection:\n    steps: []\n  remediation:"),
            "drift.yaml: not valid YAML: line 6, column 3: the key 'detection' is written twice",
            id="a key written twice",
        ),
    ],
)
def test_each_problem_is_named_with_file_and_key(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    old, new = change
    assert old in GOOD
    problems = problems_of(tmp_path, GOOD.replace(old, new, 1))
    assert any(named in p for p in problems), problems
    assert problems_of(tmp_path, GOOD) == []  # the same file without the change passes


def test_every_problem_in_a_file_is_named_not_only_the_first(tmp_path: Path) -> None:
    text = """\
title: Model drift
bogus: 1
phases:
  detecton:
    steps:
      - {id: confirm-drop, text: "Confirm the drop", role: sre}
  remediation:
    steps:
      - {id: confirm-drop, text: "Record the root cause"}
"""
    problems = problems_of(tmp_path, text)
    assert len(problems) == 4, problems
    for fragment in ("bogus: unknown key", "'sre' is not a role", "is already the id", "detecton"):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_a_playbook_without_steps_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "title: Empty\nphases:\n  detection: {}\n")
    assert problems == [
        f"{tmp_path / 'drift.yaml'}: phases: no steps; a playbook needs at least "
        "one step to check off"
    ]


def test_more_steps_than_the_checklist_holds_are_refused(tmp_path: Path) -> None:
    steps = "".join(f"      - {{id: s{i}, text: step {i}}}\n" for i in range(41))
    problems = problems_of(tmp_path, f"title: Long\nphases:\n  detection:\n    steps:\n{steps}")
    assert any("41 steps; at most 40 fit in the incident's checklist" in p for p in problems)
    forty = "".join(f"      - {{id: s{i}, text: step {i}}}\n" for i in range(40))
    assert problems_of(tmp_path, f"title: Ok\nphases:\n  detection:\n    steps:\n{forty}") == []


def test_the_file_name_must_be_a_playbook_name(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, GOOD, name="Model Drift")
    assert problems == [
        f"{tmp_path / 'Model Drift.yaml'}: the file name is the playbook's name: use lowercase "
        "letters, digits, - and _ (at most 60), e.g. model-drift.yaml"
    ]


def test_a_yml_file_is_named_rather_than_silently_skipped(tmp_path: Path) -> None:
    (tmp_path / "drift.yml").write_text(GOOD)
    assert playbook_problems(tmp_path, ROLES) == [
        f"{tmp_path / 'drift.yml'}: playbooks end in .yaml; rename it to drift.yaml"
    ]


def test_a_configured_role_may_be_used(tmp_path: Path) -> None:
    text = GOOD.replace("role: tech-lead, required: true}\n  rem", "role: model-owner}\n  rem")
    assert any("'model-owner' is not a role" in p for p in problems_of(tmp_path, text))
    assert problems_of(tmp_path, text, roles=(*ROLES, "model-owner")) == []


def test_load_raises_naming_every_problem_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(
        GOOD.replace("role: tech-lead, required: true}\n  rem", "role: sre}\n  rem")
    )
    (tmp_path / "two.yaml").write_text(GOOD.replace("title: Model drift", "title: x\nowner: y"))
    with pytest.raises(ConfigError) as raised:
        load_playbooks(tmp_path, ROLES)
    message = str(raised.value)
    assert "one.yaml: phases.detection.steps[0].role: 'sre' is not a role" in message
    assert "two.yaml: owner: unknown key" in message


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    assert playbook_problems(tmp_path / "nope", ROLES) == [
        f"WARROOM_PLAYBOOKS_DIR: {tmp_path / 'nope'} is not a folder"
    ]


def test_a_catalog_system_must_name_a_playbook_that_exists() -> None:
    config = parse_config(
        {
            "catalog": {
                "fraud-scorer": {"kind": "model", "playbook": "model-drift"},
                "chatbot": {"kind": "model", "playbook": "hallucination"},
                "fs-online": {"kind": "feature_store"},
            }
        }
    )
    problems = catalog_playbook_problems(config.catalog_model(), ["model-drift", "harmful-output"])
    assert problems == [
        "catalog.chatbot.playbook: 'hallucination' is not a playbook "
        "(playbooks: harmful-output, model-drift)"
    ]


def test_read_playbook_reports_without_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text("- just\n- a list\n")
    assert read_playbook(path, ROLES) == (
        None,
        ["the file must be a mapping of keys (title:, phases:, …)"],
    )
