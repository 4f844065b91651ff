"""`warroom catalog import-mlflow`: catalog entries built from the model registry.

Teams that keep ownership in the registry tag their registered models (`warroom.owners`,
`warroom.serves`, `warroom.depends_on`, `warroom.risk_tier`, `warroom.playbook`, each
comma-separated) and need not type it twice. Entries already in the catalog are merged, not
replaced: what a person wrote stays, lists gain what the tags add, missing fields are filled.
"""

from __future__ import annotations

import re
from typing import Any

from app.integrations.registry import ModelRegistry, RegisteredModel

TAG = "warroom."
LISTS = ("owners", "serves", "depends_on")
SINGLE = ("risk_tier", "playbook")
_NOT_A_KEY = re.compile(r"[^a-z0-9._-]+")


def import_models(registry: ModelRegistry, base: dict[str, Any]) -> dict[str, Any]:
    """`base` (the catalog and business functions so far) with every registered model merged
    in; business functions a model serves that are missing are added with their key as name."""
    catalog = {k: dict(v) for k, v in (base.get("catalog") or {}).items()}
    functions = {k: dict(v) for k, v in (base.get("business_functions") or {}).items()}
    by_registry = {
        (entry.get("registry") or {}).get("mlflow_name"): key for key, entry in catalog.items()
    }
    for model in registry.models():
        key = by_registry.get(model.name) or system_key(model.name)
        catalog[key] = merged(catalog.get(key, {}), model)
        for function in catalog[key].get("serves", []):
            functions.setdefault(function, {"name": function})
    return {"business_functions": functions, "catalog": catalog}


def merged(entry: dict[str, Any], model: RegisteredModel) -> dict[str, Any]:
    tags = {k[len(TAG) :]: v for k, v in model.tags.items() if k.startswith(TAG)}
    result = {"kind": "model", **entry}
    if model.description and not result.get("description"):
        result["description"] = model.description
    for field in LISTS:
        given = [v.strip() for v in tags.get(field, "").split(",") if v.strip()]
        if given:
            result[field] = list(dict.fromkeys([*result.get(field, []), *given]))
    for field in SINGLE:
        if tags.get(field, "").strip() and not result.get(field):
            result[field] = tags[field].strip()
    if "registry" not in result:
        alias = "champion" if "champion" in model.aliases else next(iter(model.aliases), "champion")
        result["registry"] = {"mlflow_name": model.name, "alias": alias}
    return result


def system_key(name: str) -> str:
    """A catalog key for a registered model's name: lowercase, letters, digits, . _ -."""
    return _NOT_A_KEY.sub("-", name.lower()).strip("-._")[:64] or "model"
