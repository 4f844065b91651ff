"""The status page in its four forms: HTML for people, Statuspage-shaped JSON for widgets and
monitors (`summary.json`, `status.json`, `incidents.json`), and an Atom feed of the updates.

Every value is escaped for where it goes: HTML by Jinja's autoescape, JSON by the encoder
(with `<`, `>` and `&` as \\u escapes, so a page embedding it raw cannot be broken out of),
Atom by ElementTree. The template is the app's own (status_page.html.j2 beside this file),
not an approved message template.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from app.domain.public_text import local_time
from app.domain.status_page import (
    Component,
    PublicIncident,
    PublicUpdate,
    StatusPage,
    public_id,
)
from app.status_page_config import StatusPageConfig

TEMPLATE = "status_page.html.j2"
ATOM = "http://www.w3.org/2005/Atom"
PAGE_PATH = "/status"  # the page's address when no public URL is configured
FEED_NAMESPACE = uuid.UUID("6f1c2a52-3c7e-4b8e-9a57-1f1b8f7a6c10")  # for entry ids


@dataclass(frozen=True)
class Rendered:
    """Every form of one version of the page, encoded once."""

    html: bytes
    summary: bytes
    status: bytes
    incidents: bytes
    atom: bytes


def render_all(page: StatusPage, config: StatusPageConfig, now: datetime) -> Rendered:
    top = _page_json(page, config, now)
    return Rendered(
        html=html(page, config).encode(),
        summary=_json(summary(page, config, now)),
        status=_json({"page": top, "status": _status_json(page)}),
        incidents=_json(
            {"page": top, "incidents": [_incident_json(i, config) for i in page.recent]}
        ),
        atom=atom(page, config, now),
    )


# --- HTML ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).resolve().parent)),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return env.get_template(TEMPLATE)


def html(page: StatusPage, config: StatusPageConfig) -> str:
    zone = config.zone

    def when(moment: datetime) -> str:
        return local_time(moment, zone)

    def iso(moment: datetime) -> str:
        return moment.astimezone(zone).isoformat(timespec="seconds")

    def day(value: date) -> str:
        return f"{value.day} {value:%B %Y}"

    return _template().render(page=page, config=config, when=when, iso=iso, day=day)


# --- JSON: the shapes of Statuspage's public API (v2) --------------------------------------


def summary(page: StatusPage, config: StatusPageConfig, now: datetime) -> dict[str, Any]:
    """Statuspage's summary.json: the page, the overall status, every component, and the
    unresolved incidents (as there; resolved ones are in incidents.json)."""
    return {
        "page": _page_json(page, config, now),
        "status": _status_json(page),
        "components": [_component_json(c, config) for c in page.components],
        "incidents": [_incident_json(i, config) for i in page.active],
        "scheduled_maintenances": [],
    }


def _json(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def _page_id(config: StatusPageConfig) -> str:
    return public_id("page", config.url or config.title)


def _page_url(config: StatusPageConfig) -> str:
    return config.url or PAGE_PATH


def _time(moment: datetime | None, config: StatusPageConfig) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(config.zone).isoformat(timespec="milliseconds")


def _page_json(page: StatusPage, config: StatusPageConfig, now: datetime) -> dict[str, Any]:
    return {
        "id": _page_id(config),
        "name": config.title,
        "url": _page_url(config),
        "time_zone": config.timezone,
        "updated_at": _time(page.updated_at or now, config),
    }


def _status_json(page: StatusPage) -> dict[str, str]:
    return {"indicator": page.indicator, "description": page.description}


def _component_json(component: Component, config: StatusPageConfig) -> dict[str, Any]:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status,
        "description": component.description or None,
        "position": component.position,
        "updated_at": _time(component.updated_at, config),
        "page_id": _page_id(config),
        "group": False,
        "group_id": None,
        "showcase": True,
        "only_show_if_degraded": False,
    }


def _incident_json(incident: PublicIncident, config: StatusPageConfig) -> dict[str, Any]:
    page_id = _page_id(config)
    shown = {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "created_at": _time(incident.created_at, config),
        "updated_at": _time(incident.updated_at, config),
        "started_at": _time(incident.created_at, config),
        "monitoring_at": _time(incident.monitoring_at, config),
        "resolved_at": _time(incident.resolved_at, config),
        "page_id": page_id,
        "incident_updates": [_update_json(u, config) for u in incident.updates],
        "components": [_component_json(c, config) for c in incident.components],
    }
    if config.url:
        shown["shortlink"] = _link(config, incident)
    return shown


def _update_json(update: PublicUpdate, config: StatusPageConfig) -> dict[str, Any]:
    at = _time(update.at, config)
    return {
        "id": update.id,
        "incident_id": update.incident,
        "status": update.status,
        "body": update.body,
        "created_at": at,
        "updated_at": at,
        "display_at": at,
    }


def _link(config: StatusPageConfig, incident: PublicIncident) -> str:
    return f"{_page_url(config)}#incident-{incident.id}"


# --- Atom (RFC 4287) -------------------------------------------------------------------------


def atom(page: StatusPage, config: StatusPageConfig, now: datetime) -> bytes:
    """A feed of every customer update of the page's incidents, newest first."""
    # Plain names, the namespace as an attribute: ElementTree then writes `<feed xmlns=…>`
    # with no prefixes (its default_namespace option refuses unprefixed attributes).
    feed = ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, 'feed:' + _page_id(config))}")
    _text(feed, "title", config.title)
    _text(feed, "updated", _rfc3339(page.updated_at or now))
    author = ElementTree.SubElement(feed, "author")
    _text(author, "name", config.title)
    _link_element(feed, "alternate", _page_url(config), "text/html")
    if config.url:
        _link_element(feed, "self", urljoin(config.url, "status.atom"), "application/atom+xml")
    for incident, update in page.feed():
        entry = ElementTree.SubElement(feed, "entry")
        _text(entry, "id", f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, f'update:{update.id}')}")
        _text(entry, "title", f"{incident.name}: {update.title}")
        _text(entry, "updated", _rfc3339(update.at))
        _text(entry, "published", _rfc3339(update.at))
        _link_element(entry, "alternate", _link(config, incident), "text/html")
        _text(entry, "content", update.body).set("type", "text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ElementTree.Element, name: str, value: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, name)
    element.text = value
    return element


def _link_element(parent: ElementTree.Element, rel: str, href: str, kind: str) -> None:
    ElementTree.SubElement(parent, "link", {"rel": rel, "href": href, "type": kind})


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
