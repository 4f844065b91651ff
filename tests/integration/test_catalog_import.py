"""`warroom catalog import-mlflow`: catalog entries from a real MLflow registry's models."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from tests.mlflow_server import MlflowSeeder, MlflowServer
from tests.test_cli import run


def test_registered_models_and_their_tags_become_catalog_entries_merged_not_replaced(
    tmp_path: Path, mlflow_server: MlflowServer, mlflow_seeder: MlflowSeeder
) -> None:
    tag = uuid.uuid4().hex[:6]
    scorer, churn = f"Fraud-Scorer-{tag}", f"churn-{tag}"
    mlflow_seeder.add_model(
        scorer,
        description="Card fraud scores",
        tags={
            "warroom.owners": "U0ML00001, S0MLTEAM1",
            "warroom.serves": "risk",
            "warroom.risk_tier": "critical",
            "warroom.playbook": "model-drift",
        },
    )
    mlflow_seeder.add_version(scorer)
    mlflow_seeder.set_alias(scorer, "champion", 1)
    mlflow_seeder.add_model(churn, tags={"warroom.depends_on": "fs-online"})
    config = tmp_path / "warroom.yaml"
    config.write_text(
        "catalog:\n  fs-online: {kind: feature_store}\n"
        f"  churn-model: {{kind: model, owners: [U0GROW001], registry: {{mlflow_name: {churn}}}}}\n"
    )
    out = tmp_path / "catalog.yaml"
    env = {"WARROOM_MLFLOW_URI": mlflow_server.uri, "WARROOM_CONFIG": str(config)}
    first = run("catalog", "import-mlflow", "--out", str(out), env=env)
    assert first.returncode == 0, first.stderr
    built = yaml.safe_load(out.read_text())
    entry = built["catalog"][f"fraud-scorer-{tag}"]
    assert entry["kind"] == "model" and entry["description"] == "Card fraud scores"
    assert entry["owners"] == ["U0ML00001", "S0MLTEAM1"] and entry["serves"] == ["risk"]
    assert (entry["risk_tier"], entry["playbook"]) == ("critical", "model-drift")
    assert entry["registry"] == {"mlflow_name": scorer, "alias": "champion"}
    churned = built["catalog"]["churn-model"]  # the entry already there, found by its name
    assert churned["owners"] == ["U0GROW001"] and churned["depends_on"] == ["fs-online"]
    assert built["business_functions"]["risk"] == {"name": "risk"}

    entry["owners"] = ["U0ML00001"]  # someone edits the file by hand
    out.write_text(yaml.safe_dump(built))
    second = run("catalog", "import-mlflow", "--out", str(out), env=env)
    assert second.returncode == 0, second.stderr
    again = yaml.safe_load(out.read_text())["catalog"][f"fraud-scorer-{tag}"]
    assert again["owners"] == ["U0ML00001", "S0MLTEAM1"]  # the tags add, nothing is lost


def test_import_without_a_registry_says_how_to_connect_one() -> None:
    result = run("catalog", "import-mlflow")
    assert result.returncode == 2 and "WARROOM_MLFLOW_URI" in result.stderr
