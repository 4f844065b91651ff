"""Configuring the status page: `status_page:` and the catalog's `public:` key, checked when the
file is read (naming the key), `status_page: null` turning the routes off, and the page's
branding as a visitor gets it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.config import ConfigError, WarroomConfig, parse_config
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom, free_port
from tests.served import Served, fake_env, wait_healthy
from tests.status_pages import status_config, visible_text
from tests.test_cli import run


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ({"timezone": "Mars/Olympus"}, "status_page.timezone: 'Mars/Olympus' is not a time zone"),
        ({"logo_url": "javascript:alert(1)"}, "status_page.logo_url: 'javascript:alert(1)' is not"),
        ({"logo_url": 'https://x.test/a".png'}, "status_page.logo_url"),
        ({"url": "status.example.com"}, "status_page.url: 'status.example.com' is not an http(s)"),
        ({"title": ""}, "status_page.title: must be one line of 1 to 100 characters"),
        ({"title": "a\nb"}, "status_page.title: must be one line"),
        (
            {"language": "english please"},
            "status_page.language: 'english please' is not a language",
        ),
        ({"audience": "customers"}, "status_page.audience: 'customers' is not an audience"),
        ({"audience": "technical"}, "'technical' is heard in the incident channel"),
        ({"colour": "red"}, "status_page.colour: unknown key"),
    ],
)
def test_a_bad_status_page_section_is_refused_naming_the_key(
    page: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"status_page": page})
    assert problem in str(refused.value)


def test_defaults_and_null() -> None:
    page = WarroomConfig().status_page
    assert page is not None
    assert (page.title, page.timezone, page.logo_url, page.audience) == (
        "Service status",
        "UTC",
        None,
        "customer",
    )
    assert parse_config({"status_page": None}).status_page is None
    # Without a customer audience the default page has nothing to show, and that is no error.
    config = parse_config({"audiences": {"customer": None}})
    assert config.status_page is not None and config.status_page_audience() is None
    partners = parse_config(
        {
            "audiences": {"partners": {"channel": "#partners"}},
            "status_page": {"audience": "partners"},
        }
    )
    assert partners.status_page_audience() == "partners"


@pytest.mark.parametrize(
    ("public", "problem"),
    [
        ({"name": ""}, "catalog.fraud-scorer.public.name: must be one line of 1 to 100"),
        ({"title": "Payments"}, "catalog.fraud-scorer.public.name: Field required"),
        ("Payments API", "catalog.fraud-scorer.public: Input should be a valid dictionary"),
    ],
)
def test_catalog_check_names_a_bad_public_entry(tmp_path: Path, public: Any, problem: str) -> None:
    config = tmp_path / "warroom.yaml"
    entry = {"kind": "model", "public": public}
    config.write_text(yaml.safe_dump({"catalog": {"fraud-scorer": entry}}))
    checked = run("catalog", "check", env={"WARROOM_CONFIG": str(config)})
    assert checked.returncode != 0 and problem in checked.stderr, checked.stderr


def test_catalog_check_passes_public_entries(tmp_path: Path) -> None:
    config = tmp_path / "warroom.yaml"
    config.write_text(
        "business_functions:\n"
        "  payments: {name: Card payments, public: {name: Payments}}\n"
        "catalog:\n"
        "  fraud-scorer:\n"
        "    kind: model\n"
        "    serves: [payments]\n"
        '    public: {name: "Payments API", description: "Card authorisation"}\n'
    )
    checked = run("catalog", "check", env={"WARROOM_CONFIG": str(config)})
    assert checked.returncode == 0, checked.stderr


async def test_status_page_null_turns_the_routes_off(fake: FakeSlack, sqlite_url: str) -> None:
    room = Warroom(fake, sqlite_url, config=parse_config({"status_page": None}))
    await room.start()
    try:
        for path in ("/status", "/status.json", "/status.atom", "/api/v2/summary.json"):
            assert (await room.http.get(path)).status_code == 404, path
        assert (await room.http.get("/healthz")).status_code == 200
    finally:
        await room.stop()


async def test_the_page_is_branded_and_plain(fake: FakeSlack, sqlite_url: str) -> None:
    config = status_config(logo_url="https://cdn.example.com/acme.png", language="en-GB")
    room = Warroom(fake, sqlite_url, config=config)
    await room.start()
    try:
        page = await room.http.get("/status")
    finally:
        await room.stop()
    html = page.text
    assert html.startswith("<!doctype html>") and '<html lang="en-GB">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<title>Acme status</title>" in html and "<h1>Acme status</h1>" in html
    assert '<img src="https://cdn.example.com/acme.png" alt="">' in html
    assert "<script" not in html and "javascript:" not in html
    # Nothing else is fetched: no stylesheet, font or script from anywhere.
    assert html.count("https://") == 1 and '<link rel="stylesheet"' not in html
    policy = page.headers["content-security-policy"]
    assert "img-src https://cdn.example.com;" in policy and "default-src 'none'" in policy
    assert "Times are in Europe/Berlin." in visible_text(html)


def test_socket_modes_web_port_serves_the_status_page(
    fake: FakeSlack, sqlite_url: str, served: list[Served]
) -> None:
    port = free_port()
    bot = Served(fake_env(fake, sqlite_url), "--host", "127.0.0.1", "--web-port", str(port))
    served.append(bot)
    wait_healthy(port, bot)
    summary = httpx.get(f"http://127.0.0.1:{port}/status.json", timeout=5)
    assert summary.status_code == 200 and summary.json()["status"]["indicator"] == "none"
    page = httpx.get(f"http://127.0.0.1:{port}/status", timeout=5)
    assert page.status_code == 200 and "<h1>Service status</h1>" in page.text
    assert "public status page: GET /status" in bot.output
    assert bot.terminate()[0] == 0
