"""How a configuration section named by key meets its built-in defaults."""

from __future__ import annotations

from typing import Any


def over_defaults(value: Any, defaults: dict[str, dict[str, Any]]) -> Any:
    """Keys given in the file override the defaults field by field; `name: null` removes one;
    a section left out (None) is the defaults. Anything not a mapping is left for the
    validator to refuse, naming the key."""
    if value is None:
        return defaults
    if not isinstance(value, dict):
        return value
    merged: dict[str, Any] = {k: dict(v) for k, v in defaults.items()}
    for key, given in value.items():
        if given is None:
            merged.pop(key, None)
        elif isinstance(given, dict):
            merged[key] = {**merged.get(key, {}), **given}
        else:
            merged[key] = given
    return merged
