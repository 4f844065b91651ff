"""The status page in a real browser: `warroom serve --http` as deployed, a customer update
published through signed Slack requests, then headless Chromium (Debian's `chromium`) loads
/status. The test checks the text a visitor sees and saves a phone-sized screenshot to
test-artifacts/ (kept out of git) for a person to look at.

Skipped when Chromium is not installed, unless WARROOM_REQUIRE_CHROMIUM=1 (CI installs it and
sets that, so there it must run).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes import requests as slack_requests
from tests.fakes.slack_api import FakeSlack
from tests.harness import SIGNING_SECRET, Warroom, free_port
from tests.served import ROOT, Served, fake_env, wait_healthy
from tests.status_pages import (
    INTERNAL_TITLE,
    internal_words,
    status_raw,
    update_form_state,
    visible_text,
)

ARTIFACTS = ROOT / "test-artifacts"
BROWSER_TIMEOUT = 30.0  # seconds for one Chromium run
PHONE = (390, 844)  # CSS pixels of a common phone screen
IMPACT = "Card payments <script>alert(1)</script> & refunds are delayed"


def chromium_executable() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = chromium_executable()
    if executable is not None:
        return executable
    problem = "no `chromium` (apt-get install chromium)"
    if os.environ.get("WARROOM_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"WARROOM_REQUIRE_CHROMIUM=1 but {problem}", pytrace=False)
    pytest.skip(problem)


def browse(chromium: str, profile: Path, *args: str) -> str:
    """Run headless Chromium once, in its own profile and process group (its helpers are
    killed with it if it overruns); its standard output."""
    argv = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(
            f"Chromium did not finish in {BROWSER_TIMEOUT:.0f} s: {argv}"
        ) from None
    assert process.returncode == 0, f"Chromium exited with {process.returncode}:\n{err[-2000:]}"
    return out


class SignedSlack:
    """What Slack sends to a served Warroom: signed requests over HTTP."""

    def __init__(self, port: int, fake: FakeSlack, user: str) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        self.fake, self.user = fake, user

    def post(self, body: bytes) -> httpx.Response:
        headers = slack_requests.signed_headers(SIGNING_SECRET, body)
        response = self.http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response

    def command(self, text: str, channel: str) -> None:
        self.post(
            slack_requests.slash_command_body(
                text,
                user_id=self.user,
                channel_id=channel,
                response_url=self.fake.new_response_url(),
                trigger_id=self.fake.issue_trigger_id(),
            )
        )

    def submit(self, view: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        body = slack_requests.view_submission_body(
            view["callback_id"], state, user_id=self.user, private_metadata=view["private_metadata"]
        )
        response = self.post(body)
        return dict(response.json()) if response.content else {}

    def publish(self, channel: str, audiences: list[str], **texts: str) -> None:
        """/incident update, the form filled in, the preview published."""
        opened = len(self.fake.calls_to("views.open"))
        self.command("update", channel)
        call = self.fake.wait_for(lambda: self.fake.calls_to("views.open")[opened:], 15)[0]
        answer = self.submit(
            call.args["view"], update_form_state(call.args["view"], audiences, **texts)
        )
        assert answer.get("response_action") == "push", answer
        self.submit(answer["view"], {})


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_a_visitor_reads_the_customer_update_in_chromium(
    chromium: str, fake: FakeSlack, sqlite_url: str, served: list[Served], tmp_path: Path
) -> None:
    seeded = Warroom(fake, sqlite_url)
    seeded._seed_workspace()
    config = tmp_path / "warroom.yaml"
    config.write_text(yaml.safe_dump(status_raw()))
    port = free_port()
    env = {
        **fake_env(fake, sqlite_url),
        "WARROOM_CONFIG": str(config),
        "WARROOM_RESPONSE_URL_HOSTS": "127.0.0.1",  # the fake's response URLs
    }
    bot = Served(env, "--http", "--host", "127.0.0.1", "--port", str(port))
    served.append(bot)
    wait_healthy(port, bot)

    slack = SignedSlack(port, fake, seeded.people.alice)
    slack.command(f"declare sev1 {INTERNAL_TITLE} --affects fraud-scorer", seeded.general)
    room = fake.wait_for(
        lambda: next((c for c in fake.channels() if c.name.startswith("inc-1-")), None), 15
    )
    fake.wait_for(lambda: fake.calls_to("pins.add"), 15)  # the war room is open
    slack.publish(
        str(room.id), ["technical", "customer"], what_changed="Rolled back", impact=IMPACT
    )
    customers = seeded.audience_channels["customer-comms"]
    fake.wait_for(lambda: fake.messages(customers), 15)

    url = f"http://127.0.0.1:{port}/status"
    dom = browse(chromium, tmp_path / "profile", "--dump-dom", url)
    text = visible_text(dom)
    assert text.startswith("Acme status Major Service Outage Current incidents Service update")
    assert "Investigating · Major outage · Affects Payments API, Payments" in text
    assert f"What this means for you: {IMPACT}" in text  # shown as words, never run
    assert "<script>" not in dom and "&lt;script&gt;" in dom
    assert "Payments API Card authorisation Major outage" in text and "Search Operational" in text
    for word in internal_words([seeded.people.alice, "alice"]):
        assert word not in text, word

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "status-page-phone.png"
    shot.unlink(missing_ok=True)
    started = time.monotonic()
    browse(
        chromium,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        "--hide-scrollbars",
        url,
    )
    assert shot.is_file() and shot.stat().st_size > 5_000, "an empty screenshot"
    assert png_size(shot) == PHONE
    print(f"status page screenshot ({time.monotonic() - started:.1f} s): {shot}")

    code, _ = bot.terminate()
    assert code == 0 and "Traceback" not in bot.output, bot.output
