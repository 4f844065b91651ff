"""Reading the YAML files people edit (playbooks, the glossary): the exact bytes, and a key
written twice is an error rather than PyYAML's silent "the last one wins", which would drop a
whole phase or term without a word."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml


class YamlProblem(Exception):
    """The file cannot be read as YAML; the message says where and why, in one line."""


# libyaml's parser where PyYAML was built with it: ten times faster, and every start (and
# every test) reads the playbooks and the glossary.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is written twice", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> tuple[bytes, Any]:
    """The file's bytes and what they hold."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise YamlProblem("not UTF-8 text") from None
    try:
        return data, yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YamlProblem(f"not valid YAML: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}") from None


def key_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as people read a YAML path: phases.detection.steps[1].role."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
