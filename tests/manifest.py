"""Reading manifest.yaml, for tests and for the fake's scope checks."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


@cache
def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    assert isinstance(data, dict)
    return data


def manifest_bot_scopes() -> set[str]:
    return set(load_manifest()["oauth_config"]["scopes"]["bot"])
