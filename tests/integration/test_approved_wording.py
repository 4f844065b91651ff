"""Approved wording is exactly the approved file: a template that pulls words in from another
file ({% include %}, {% import %}, {% extends %}) is never sent as approved."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES
from app.rendering.approvals import LOCK_FILE, content_hash
from tests.fakes.slack_api import FakeSlack
from tests.harness import Warroom
from tests.test_cli import run

UNAPPROVED = "We promise this will never happen again."


def pull_in_unapproved_words(folder: Path, name: str) -> None:
    """`name` includes a file nobody approved, and its recorded hash is brought up to date,
    as an approval made before includes were refused would have left it."""
    (folder / "unapproved.j2").write_text(UNAPPROVED + "\n")
    template = folder / f"{name}.j2"
    template.write_text(template.read_text() + '{% include "unapproved.j2" %}\n')
    lock = json.loads((folder / LOCK_FILE).read_text())
    lock[name]["sha256"] = content_hash(template.read_bytes())
    (folder / LOCK_FILE).write_text(json.dumps(lock))


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    pull_in_unapproved_words(folder, "updates/customer")
    pull_in_unapproved_words(folder, "summary")
    return folder


@pytest.fixture
async def room(fake: FakeSlack, sqlite_url: str, templates: Path) -> AsyncIterator[Warroom]:
    warroom = Warroom(fake, sqlite_url, templates_dir=templates)
    await warroom.start()
    yield warroom
    await warroom.stop()


async def test_an_including_template_is_held_back_from_customers(room: Warroom) -> None:
    await room.command("declare sev1 Fraud model precision dropped 15%")
    await room.settle()
    channel = str(room.incident_channel(1).id)
    preview = await room.publish_update(channel, audiences=["technical", "customer"])
    assert "Will not be sent" in json.dumps(preview)
    assert room.texts(room.audience_channels["customer-comms"]) == []
    assert UNAPPROVED not in room.outgoing()
    assert "{% include %}" in room.said(channel, "was *not sent*")


async def test_an_including_summary_does_not_go_to_executives(room: Warroom) -> None:
    await room.command("declare sev1 Fraud model precision dropped 15%")
    await room.settle()
    channel = str(room.incident_channel(1).id)
    refused = await room.command("summary post", channel=channel)
    await room.settle()
    assert "unapprovable" in refused.everything and "{% include %}" in refused.everything
    assert room.texts(room.audience_channels["exec-updates"]) == []


def test_templates_check_names_the_include(templates: Path) -> None:
    result = run("templates", "check", env={"WARROOM_TEMPLATES_DIR": str(templates)})
    assert result.returncode == 1
    for name in ("updates/customer.j2", "summary.j2"):
        problem = next(line for line in result.stderr.splitlines() if name in line)
        assert "unapprovable: it uses {% include %}" in problem
