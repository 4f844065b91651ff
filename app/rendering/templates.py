"""Sandboxed template rendering: StrictUndefined, and every value escaped for Slack mrkdwn.

Values are escaped on output (Jinja's `finalize`), so an incident title containing
`<!channel>` or `{{ 7*7 }}` is shown literally. Markup the app builds itself (mentions, channel
links, dates) is wrapped in `Markup` and passes through untouched.

The HTML renderer for the HTML part of emails (app/rendering/email.py) autoescapes every value
for HTML instead, and turns the app's Slack markup into HTML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment

from app.domain.text import escape

SUFFIX = ".j2"
CACHE_SIZE = 256  # compiled templates kept, keyed by name and content


class Markup(str):
    """Slack markup built by the app (never from user text); not escaped again."""


class TemplateProblem(Exception):
    """A template cannot be rendered; the message names the file and line."""


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape(str(value))


class TemplateRenderer:
    def __init__(
        self,
        folder: Path,
        *,
        finalize: Callable[[Any], Any] = _finalize,
        autoescape: bool = False,
    ) -> None:
        """`finalize` and `autoescape`: how values are written out (Slack mrkdwn escaping by
        default; app/rendering/email.py builds the HTML one)."""
        self.folder = folder
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            finalize=finalize,
            autoescape=autoescape,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._cache: dict[tuple[str, bytes], Template] = {}

    def names(self) -> list[str]:
        """Template names (relative paths without the .j2 suffix), sorted."""
        return sorted(
            str(p.relative_to(self.folder))[: -len(SUFFIX)] for p in self.folder.rglob(f"*{SUFFIX}")
        )

    def exists(self, name: str) -> bool:
        return (self.folder / f"{name}{SUFFIX}").is_file()

    def source(self, name: str) -> bytes:
        return (self.folder / f"{name}{SUFFIX}").read_bytes()

    def render(self, name: str, source: bytes | None = None, **context: Any) -> str:
        """Render and tidy: surrounding blank lines dropped, runs of blank lines folded.

        With `source`, render exactly those bytes (the ones whose approval was checked)."""
        try:
            if source is None:
                template = self._env.get_template(f"{name}{SUFFIX}")
            else:
                template = self._compiled(name, source)
            text = template.render(**context)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(f"{self._path(name)}, line {exc.lineno}: {exc.message}") from exc
        except TemplateError as exc:
            raise TemplateProblem(f"{self._path(name)}{_line_of(exc)}: {exc}") from exc
        return _tidy(text)

    def _compiled(self, name: str, source: bytes) -> Template:
        """Exactly these bytes, compiled once (approved wording is rendered from the bytes whose
        hash was checked; compiling costs milliseconds, rendering microseconds)."""
        key = (name, hashlib.sha256(source).digest())
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            code = self._env.compile(
                source.decode("utf-8"), name=f"{name}{SUFFIX}", filename=self._path(name)
            )
            globals_ = self._env.make_globals(None)
            self._cache[key] = self._env.template_class.from_code(self._env, code, globals_)
        return self._cache[key]

    def _path(self, name: str) -> str:
        return str(self.folder / f"{name}{SUFFIX}")


_OTHER_FILES = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
}


@lru_cache(maxsize=CACHE_SIZE)
def other_files_used(source: bytes) -> tuple[str, ...]:
    """The tags by which this template takes words from other files: an approval of this file
    would not cover them. (A template that does not parse is reported by rendering it.)"""
    try:
        tree = Environment().parse(source.decode("utf-8"))
    except (TemplateSyntaxError, UnicodeDecodeError):
        return ()
    found = {tag for kind, tag in _OTHER_FILES.items() if any(tree.find_all(kind))}
    return tuple(sorted(found))


def _line_of(exc: Exception) -> str:
    """The template line an exception came from, found in its traceback."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(SUFFIX):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f", line {line}" if line else ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy)
