"""Access to Slack's machine-readable reference data (methods, errors, manifest schemas).

The data normally lives in the shared checkout ``<repo>/../shared/slack-reference``; a vendored
subset (the methods the fake implements) is kept in ``tests/slack_reference`` so the tests also
run without it. ``SLACK_REFERENCE_DIR`` overrides both.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDORED_DIR = REPO_ROOT / "tests" / "slack_reference"
SHARED_DIR = REPO_ROOT.parent / "shared" / "slack-reference"


def slack_reference_dir() -> Path:
    """Where to read reference data from: env override, shared checkout, or vendored copy."""
    override = os.environ.get("SLACK_REFERENCE_DIR")
    if override:
        return Path(override)
    if SHARED_DIR.is_dir():
        return SHARED_DIR
    return VENDORED_DIR


def _load_json(relative: str) -> Any:
    """Load ``relative`` from the reference dir, falling back to the vendored copy."""
    for base in (slack_reference_dir(), VENDORED_DIR):
        path = base / relative
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no Slack reference file {relative!r} in {slack_reference_dir()}")


@cache
def method_spec(name: str) -> dict[str, Any]:
    """The reference entry of Web API method ``name`` (args, errors, rate_limit, scopes)."""
    spec: dict[str, Any] = _load_json(f"methods/{name}.json")
    return spec


def method_exists(name: str) -> bool:
    """True if Slack documents a Web API method called ``name``."""
    try:
        method_spec(name)
    except FileNotFoundError:
        return False
    return True


@cache
def common_errors() -> dict[str, str]:
    """Error codes any method may return, with their descriptions."""
    errors: dict[str, str] = _load_json("common_errors.json")
    return errors


def bot_scopes(name: str) -> list[str]:
    """Bot-token scopes listed for method ``name`` (any one of them grants access)."""
    return [scope["name"] for scope in method_spec(name).get("scopes", {}).get("bot", [])]


def required_args(name: str) -> list[str]:
    """Arguments the reference marks as required for method ``name``."""
    args = method_spec(name).get("args", {})
    return [arg for arg, info in args.items() if info.get("required")]


def documented_errors(name: str) -> set[str]:
    """Error codes method ``name`` may return: its own plus the common ones."""
    return set(method_spec(name).get("errors", {})) | set(common_errors())


def manifest_schema(version: str = "2.0.0") -> dict[str, Any]:
    """Slack's JSON Schema for app manifests (draft-07)."""
    schema: dict[str, Any] = _load_json(f"manifest.schema.{version}.json")
    return schema
