"""What the status page tests share: a configuration with public components, the words that
must never reach the page, and reading the page as a visitor would."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from typing import Any

from app.config import WarroomConfig, parse_config
from app.web.status_routes import RECHECK_AFTER
from tests.harness import Warroom

# Severity labels no customer template shows: they must not appear on the page.
SEVERITIES = {
    "sev1": {"label": "Code Red", "update_every": "30m"},
    "sev2": {"label": "Code Orange", "update_every": "30m"},
    "sev3": {"label": "Code Yellow", "update_every": "1h"},
    "sev4": {"label": "Code Grey"},
}
CATALOG: dict[str, Any] = {
    "business_functions": {
        "payments": {"name": "Card payments (internal)", "public": {"name": "Payments"}},
        "support": {"name": "Customer support"},
    },
    "catalog": {
        "fs-online": {"kind": "feature_store"},
        "fraud-scorer": {
            "kind": "model",
            "depends_on": ["fs-online"],
            "serves": ["payments"],
            "public": {"name": "Payments API", "description": "Card authorisation"},
        },
        "search-ranker": {
            "kind": "model",
            "depends_on": ["fs-online"],
            "serves": ["support"],
            "public": {"name": "Search"},
        },
        "churn-model": {"kind": "model"},
    },
}
PAGE = {
    "title": "Acme status",
    "timezone": "Europe/Berlin",
    "url": "https://status.example.com/status",
}
INTERNAL_TITLE = "Fraudscorer meltdown after bad deploy"


def status_raw(**page: Any) -> dict[str, Any]:
    """The configuration as the YAML file holds it."""
    return {"severities": SEVERITIES, **CATALOG, "status_page": {**PAGE, **page}}


def status_config(**page: Any) -> WarroomConfig:
    return parse_config(status_raw(**page))


def update_form_state(form: dict[str, Any], audiences: list[str], **texts: str) -> dict[str, Any]:
    """The values of the update form (as views.open received it), filled in as a person
    would: these audiences ticked, these fields typed."""
    checkboxes = next(b for b in form["blocks"] if b["block_id"] == "audiences")["element"]
    chosen = [o for o in checkboxes["options"] if o["value"] in audiences]
    fields = ("what_changed", "impact", "uncertain", "next_steps")
    state: dict[str, Any] = {
        k: {k: {"type": "plain_text_input", "value": texts.get(k, "")}} for k in fields
    }
    state["audiences"] = {"audiences": {"type": "checkboxes", "selected_options": chosen}}
    return state


def internal_words(people: list[str]) -> list[str]:
    """What the war room knows that customers must not see on the page."""
    words = [INTERNAL_TITLE, "INC-", "inc-1", "#customer-comms", "fraud-scorer", "fs-online"]
    words += ["Code Red", "Code Orange", "SEV1", "SEV2", "sev1", "Card payments (internal)"]
    return words + people


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a visitor reads it: tags dropped, entities decoded, spaces folded."""
    parser = _Text()
    parser.feed(html)
    text = re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
    return re.sub(r" ([.,:;])", r"\1", text)  # no space before punctuation after an element


async def after_recheck(room: Warroom) -> None:
    """Once the room's page has looked at the database again (something changed there that
    this process was not told about: another replica published, or the day moved on)."""
    cache = room.app.status_cache
    assert cache is not None
    await asyncio.sleep(RECHECK_AFTER)
    await room.http.get("/status")  # a request after the interval starts the check
    await cache.settled()
