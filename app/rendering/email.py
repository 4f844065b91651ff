"""Email words, from the same approved rendering Slack gets.

The plain-text part is the audience's template rendered as for Slack, then read back without
Slack's markup: escapes undone (`&lt;` is `<` again), dates in their written-out UTC fallback,
links as `label (url)`, mentions as the person's name. This is safe because in the Slack
rendering every value a person typed is escaped, so every `<…>` left in it was built by the app.

The HTML part, when the template has an HTML sibling (`updates/customer.html.j2`), is rendered
with HTML autoescaping; the app's Slack markup among the values becomes HTML, mentions a
placeholder the sender fills with the person's name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markupsafe

from app.rendering.templates import Markup, TemplateRenderer

_TOKEN = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_HTML_MENTION = re.compile(r'<span data-warroom-mention="([UW][A-Z0-9]{2,})">@\1</span>')
_LEADING_EMOJI = re.compile(r"^(?::[a-z0-9_+-]+:\s*)+")
_BOLD = re.compile(r"\*([^*\n]+)\*")
MAX_SUBJECT = 200
EMAIL_SUBJECT, EMAIL_HTML = "subject", "html"  # a template's optional siblings for email


@dataclass(frozen=True)
class EmailWords:
    """What an email adds to the Slack rendering: its subject (Slack form, read back like the
    text when sent) and, when the template has one, the HTML part."""

    subject: str
    html: str | None = None


def html_templates(folder: Path) -> TemplateRenderer:
    """The renderer of HTML siblings: values autoescaped for HTML, app markup made HTML."""
    return TemplateRenderer(folder, finalize=_html_value, autoescape=True)


def _html_value(value: Any) -> Any:
    if isinstance(value, Markup):
        return slack_markup_as_html(value)
    return "" if value is None else value  # escaped for HTML by autoescape, after this


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _plain_token(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user = target[1:]
        return names.get(user) or label or f"@{user}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):  # a date (its label is the written-out fallback), a group…
        special = target[1:].split("^")
        return label or f"@{special[-1] if special[0] == 'subteam' else special[0]}"
    return f"{label} ({target})" if label and label != target else target


def email_text(slack_text: str, names: Mapping[str, str] | None = None) -> str:
    """The plain-text email of a Slack rendering; `names`: user ID -> name for mentions."""
    known = names or {}
    return _unescape(_TOKEN.sub(lambda m: _plain_token(m.group(1), known), slack_text))


def mentioned(*texts: str | None) -> set[str]:
    """The user IDs mentioned in Slack renderings and HTML parts (their names are looked up)."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        found |= {m.group(1)[1:] for m in _TOKEN.finditer(text) if m.group(1).startswith("@")}
        found |= {m.group(1) for m in _HTML_MENTION.finditer(text)}
    return {f.split("|")[0] for f in found if _USER.match(f.split("|")[0])}


def slack_markup_as_html(value: str) -> markupsafe.Markup:
    """App-built Slack markup (a date, a mention, a channel link) as HTML."""
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(value):
        parts.append(html.escape(_unescape(value[position : match.start()])))
        parts.append(_html_token(match.group(1)))
        position = match.end()
    parts.append(html.escape(_unescape(value[position:])))
    return markupsafe.Markup("".join(parts))


def _html_token(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@") and _USER.match(target[1:]):
        return f'<span data-warroom-mention="{target[1:]}">@{target[1:]}</span>'
    if target.startswith(("https://", "http://")):
        shown = html.escape(_unescape(label or target))
        return f'<a href="{html.escape(_unescape(target), quote=True)}">{shown}</a>'
    return html.escape(_unescape(_plain_token(inner, {})))


def html_with_names(part: str, names: Mapping[str, str]) -> str:
    """The HTML part with each mention placeholder showing the person's name."""
    return _HTML_MENTION.sub(lambda m: html.escape(names.get(m.group(1)) or f"@{m.group(1)}"), part)


def default_subject(slack_text: str) -> str:
    """The rendering's first line, as a subject: a template's heading (`*Service update*`)
    reads as one. Leading emoji codes and bold markers go; what is left is approved words."""
    first = next((line for line in slack_text.splitlines() if line.strip()), "")
    return _BOLD.sub(r"\1", _LEADING_EMOJI.sub("", first.strip())).strip()


def subject_line(slack_subject: str, names: Mapping[str, str] | None = None) -> str:
    """A subject as sent: read back like the text, on one line, of a bounded length."""
    line = " ".join(email_text(slack_subject, names).split())
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1] + "…"
