"""The operating interface: `warroom serve | db upgrade | templates check`, as operators run it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from app.config import SHIPPED_TEMPLATES
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_console_script_and_module_are_the_same_program() -> None:
    assert shutil.which("warroom"), "pip install -e . puts `warroom` on the PATH"
    for result in (
        run("--help"),
        subprocess.run(["warroom", "--help"], capture_output=True, text=True, timeout=60),
    ):
        assert result.returncode == 0
        for command in ("serve", "db", "templates"):
            assert command in result.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "warroom.db"
    result = run("db", "upgrade", env={"WARROOM_DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    tables = {
        row[0]
        for row in sqlite3.connect(database).execute(
            "select name from sqlite_master where type='table'"
        )
    }
    assert {"incidents", "role_assignments", "timeline_entries", "outbox"} <= tables
    again = run("db", "upgrade", env={"WARROOM_DATABASE_URL": f"sqlite:///{database}"})
    assert again.returncode == 0


def test_templates_check_passes_for_the_shipped_templates() -> None:
    result = run("templates", "check")
    assert result.returncode == 0, result.stderr


def test_templates_check_names_each_broken_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED_TEMPLATES, tmp_path / "t")
    (tmp_path / "t" / "announcement.j2").write_text("ok\n{{ incident.no_such_field }}\n")
    (tmp_path / "t" / "kickoff.j2").write_text("{% if %}")
    result = run("templates", "check", env={"WARROOM_TEMPLATES_DIR": str(tmp_path / "t")})
    assert result.returncode == 1
    assert "announcement.j2, line 2" in result.stderr
    assert "kickoff.j2, line 1" in result.stderr


def test_serve_without_tokens_says_what_is_missing() -> None:
    result = run("serve")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    http = run("serve", "--http", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert http.returncode == 2 and "SLACK_SIGNING_SECRET" in http.stderr
    assert "Traceback" not in result.stderr + http.stderr


def test_a_bad_configuration_file_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text("severities:\n  sev1: {label: Critical, update_every: soon}\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    result = run("serve", env={**env, "WARROOM_CONFIG": str(config)})
    assert result.returncode == 2
    assert "severities.sev1.update_every" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "warroom.yaml").write_text("admins: [bob]\n")  # ./warroom.yaml is read by default
    default = run("serve", env=env, cwd=tmp_path)
    assert default.returncode == 2 and "admins" in default.stderr


def test_serve_runs_socket_mode_until_terminated(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_API_URL": fake.api_url,
            "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        }
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            env={**clean, **env},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            fake.socket_connected(timeout=20)
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, output
        assert "Socket Mode" in output
        assert (tmp_path / "w.db").exists()  # migrated on start


def test_templates_approve_then_check_catches_a_later_edit(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    env = {"WARROOM_TEMPLATES_DIR": str(folder)}
    business = folder / "updates" / "business.j2"
    approved = run("templates", "approve", "updates/business", "--by", "Dana Lee, PR", env=env)
    assert approved.returncode == 0 and "approved by Dana Lee, PR" in approved.stdout
    assert run("templates", "check", env=env).returncode == 0

    business.write_text(business.read_text() + "\nA late edit nobody approved.\n")
    (folder / "updates" / "customer.j2").write_text("{{ incident.ref }}: an unreviewed promise")
    result = run("templates", "check", env=env)
    assert result.returncode == 1
    assert "updates/business.j2: changed since it was approved by Dana Lee, PR" in result.stderr
    assert "updates/customer.j2: changed since it was approved by" in result.stderr
    missing = run("templates", "approve", "updates/nope", "--by", "x", env=env)
    assert missing.returncode == 2 and "no such template" in missing.stderr


def test_a_broken_template_stops_serve_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    (folder / "updates" / "executive.j2").write_text("ok\n\n{{ incident.no_such_field }}\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_TEMPLATES_DIR": str(folder),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    result = run("serve", env=env)
    assert result.returncode == 2
    assert "updates/executive.j2, line 3" in result.stderr and "Traceback" not in result.stderr


def test_catalog_check_names_each_problem_and_passes_a_good_catalog(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text(
        "catalog:\n"
        "  fs-online: {kind: feature_store, depends_on: [fraud-scorer]}\n"
        "  fraud-scorer: {kind: model, depends_on: [fs-online], serves: [risk]}\n"
    )
    bad = run("catalog", "check", env={"WARROOM_CONFIG": str(config)})
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "catalog.fraud-scorer.serves: 'risk' is not a business function" in bad.stderr
    assert "dependency cycle fs-online → fraud-scorer → fs-online" in bad.stderr
    config.write_text(
        "business_functions:\n  risk: {name: Fraud & risk}\n"
        "catalog:\n"
        "  fs-online: {kind: feature_store}\n"
        "  fraud-scorer: {kind: model, depends_on: [fs-online], serves: [risk]}\n"
    )
    good = run("catalog", "check", env={"WARROOM_CONFIG": str(config)})
    assert good.returncode == 0 and "2 systems, 1 business functions" in good.stdout


def test_serve_refuses_an_invalid_catalog_naming_the_problem(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text("catalog:\n  fraud-scorer: {kind: model, depends_on: [fs-online]}\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_CONFIG": str(config),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    result = run("serve", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "catalog.fraud-scorer.depends_on: 'fs-online' is not in the catalog" in result.stderr


def test_playbooks_check_passes_the_shipped_playbooks_and_list_shows_their_titles() -> None:
    check = run("playbooks", "check")
    assert check.returncode == 0, check.stderr
    assert "playbooks in" in check.stdout and "are valid" in check.stdout
    listed = run("playbooks", "list")
    assert listed.returncode == 0, listed.stderr
    lines = dict(line.split(None, 1) for line in listed.stdout.splitlines())
    assert lines["model-drift"] == "Model performance drop (data or concept drift)"
    assert {
        "data-pipeline-failure",
        "feature-store-outage",
        "harmful-output",
        "serving-infrastructure",
        "security-adversarial",
    } <= set(lines)


BAD_PLAYBOOK = """\
title: Chatbot harm
phases:
  containment:
    steps:
      - {id: roll-back, text: "Roll back", role: sre}
      - {id: roll-back, text: "Halt the pipeline", colour: red}
"""


def test_playbooks_check_names_each_problem_and_list_still_lists_the_good_ones(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "playbooks"
    shutil.copytree(ROOT / "playbooks", folder)
    (folder / "chatbot.yaml").write_text(BAD_PLAYBOOK)
    env = {"WARROOM_PLAYBOOKS_DIR": str(folder)}
    check = run("playbooks", "check", env=env)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "chatbot.yaml: phases.containment.steps[0].role: 'sre' is not a role" in check.stderr
    assert "chatbot.yaml: phases.containment.steps[1].id: 'roll-back' is already" in check.stderr
    assert "chatbot.yaml: phases.containment.steps[1].colour: unknown key" in check.stderr
    listed = run("playbooks", "list", env=env)
    assert listed.returncode == 1 and "model-drift" in listed.stdout
    assert "chatbot" not in listed.stdout and "warroom playbooks check" in listed.stderr


def test_playbooks_check_names_a_catalog_playbook_that_does_not_exist(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text(
        "roles:\n  model-owner: {description: Owns the model}\n"
        "catalog:\n"
        "  fraud-scorer: {kind: model, playbook: model-drift}\n"
        "  chatbot: {kind: model, playbook: hallucination}\n"
    )
    result = run("playbooks", "check", env={"WARROOM_CONFIG": str(config)})
    assert result.returncode == 1
    assert "catalog.chatbot.playbook: 'hallucination' is not a playbook" in result.stderr
    assert "fraud-scorer" not in result.stderr


def test_serve_refuses_an_invalid_playbook_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "chatbot.yaml").write_text(BAD_PLAYBOOK)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_PLAYBOOKS_DIR": str(folder),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    result = run("serve", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{folder / 'chatbot.yaml'}: phases.containment.steps[0].role" in result.stderr
    missing = run("serve", env={**env, "WARROOM_PLAYBOOKS_DIR": str(tmp_path / "nope")})
    assert missing.returncode == 2
    assert f"WARROOM_PLAYBOOKS_DIR: {tmp_path / 'nope'} is not a folder" in missing.stderr


def test_serve_refuses_a_catalog_naming_a_missing_playbook(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text("catalog:\n  chatbot: {kind: model, playbook: hallucination}\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_CONFIG": str(config),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    result = run("serve", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "catalog.chatbot.playbook: 'hallucination' is not a playbook" in result.stderr


def test_serve_refuses_alert_rules_it_cannot_use_naming_the_rule(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "WARROOM_CONFIG": str(config),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    config.write_text(
        "alerts:\n  rules:\n    - {action: note}\n"
        "    - {match_re: {alertname: 'Model('}, action: declare, severity: sev1}\n"
    )
    regex = run("serve", env=env)
    assert regex.returncode == 2 and "Traceback" not in regex.stderr
    assert "alerts.rules.1.match_re: alertname: 'Model(' is not a regular expression" in (
        regex.stderr
    )
    config.write_text("alerts:\n  rules:\n    - {action: propose, playbook: hallucination}\n")
    missing = run("serve", env=env)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "alerts.rules.0.playbook: 'hallucination' is not a playbook" in missing.stderr
    check = run("playbooks", "check", env={"WARROOM_CONFIG": str(config)})
    assert check.returncode == 1
    assert "alerts.rules.0.playbook: 'hallucination' is not a playbook" in check.stderr


def test_glossary_export_prints_shipped_and_added_terms_as_a_glossary_file(
    tmp_path: Path,
) -> None:
    database = tmp_path / "w.db"
    env = {"WARROOM_DATABASE_URL": f"sqlite:///{database}"}
    assert run("glossary", "export", env=env).returncode == 0  # before any migration
    assert run("db", "upgrade", env=env).returncode == 0
    with sqlite3.connect(database) as db:
        db.execute(
            "insert into glossary_terms (term, definition, aliases, why, added_by, added_at) "
            "values ('blue-green', 'Two live copies, traffic switched', '[\"blue/green\"]', '', "
            "'U0ALICE01', '2026-11-22 02:05:00.000000')"
        )
    result = run("glossary", "export", env=env)
    assert result.returncode == 0, result.stderr
    assert "# added in Slack by U0ALICE01 on 2026-11-22 02:05 UTC\nblue-green:" in result.stdout
    exported = yaml.safe_load(result.stdout)
    assert exported["blue-green"] == {
        "definition": "Two live copies, traffic switched",
        "aliases": ["blue/green"],
    }
    assert "population stability index" in exported["PSI"]["aliases"]  # the shipped ones too
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "glossary.yaml").write_text(result.stdout)  # folded into the file, it holds
    check = run("playbooks", "check", env={"WARROOM_PLAYBOOKS_DIR": str(folder)})
    assert "glossary" not in check.stderr


def test_playbooks_check_names_glossary_problems(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    shutil.copytree(ROOT / "playbooks", folder)
    (folder / "glossary.yaml").write_text("PSI: {definition: Stability, colour: red}\n")
    result = run("playbooks", "check", env={"WARROOM_PLAYBOOKS_DIR": str(folder)})
    assert result.returncode == 1
    assert "glossary.yaml: PSI.colour: unknown key" in result.stderr


def test_drills_check_passes_the_shipped_scenarios() -> None:
    check = run("drills", "check")
    assert check.returncode == 0, check.stderr
    assert "3 drill scenarios in" in check.stdout and "are valid" in check.stdout


def test_drills_check_names_each_problem_and_serve_refuses_them(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    shutil.copytree(ROOT / "drills", folder)
    (folder / "tabletop.yaml").write_text(
        "title: Tabletop\nseverity: sev9\nplaybook: hallucination\n"
        "injects:\n  - {at: 2m, say: Nobody speaks}\n"
    )
    env = {"WARROOM_DRILLS_DIR": str(folder)}
    check = run("drills", "check", env=env)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    where = folder / "tabletop.yaml"
    assert f"FAIL {where}: severity: 'sev9' is not a severity" in check.stderr
    assert f"FAIL {where}: playbook: 'hallucination' is not a playbook" in check.stderr
    assert f"FAIL {where}: injects[0]: say who speaks with as:" in check.stderr
    assert "fraud-precision-drop" not in check.stderr  # the good ones are not blamed

    served = run(
        "serve",
        env={
            **env,
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        },
    )
    assert served.returncode == 2 and "Traceback" not in served.stderr
    assert f"{where}: severity: 'sev9' is not a severity" in served.stderr


def test_drills_check_notes_systems_the_catalog_does_not_have(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text("catalog:\n  fraud-scorer: {kind: model}\n")
    check = run("drills", "check", env={"WARROOM_CONFIG": str(config)})
    assert check.returncode == 0, check.stderr
    assert "note feature-store-cascade: affects fs-online: not in the catalog" in check.stdout
    assert "note fraud-precision-drop" not in check.stdout
