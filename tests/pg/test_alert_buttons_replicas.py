"""Alert buttons pressed at once on two replicas sharing one PostgreSQL database: a proposal
is declared once, and one person takes command."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from app.config import parse_config
from app.persistence.tables import AlertProposal, Incident, RoleAssignment
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, FakeClock, message_text
from tests.integration.alert_bodies import alertmanager, am_alert
from tests.pg.replicas import Replica, settle_all

OWNERS = ["U0OWNER01", "U0OWNER02"]
CONFIG = {
    "catalog": {
        "fraud-scorer": {"kind": "model", "owners": OWNERS},
        "churn-model": {"kind": "model"},
    },
    "alerts": {
        "rules": [{"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"}],
        "default": {"action": "propose", "severity": "sev3"},
    },
}


@pytest.fixture
async def pair(
    fake: FakeSlack, pg_url: str, clock: FakeClock
) -> AsyncIterator[tuple[Replica, Replica]]:
    config = parse_config(CONFIG)
    a = await Replica(fake, pg_url, clock=clock, config=config, alerts_token=ALERTS_TOKEN).start()
    b = await Replica(
        fake, pg_url, clock=clock, config=config, seed=False, alerts_token=ALERTS_TOKEN
    ).start()
    for n, user in enumerate(OWNERS):
        fake.add_user(user, f"owner{n}")
    yield a, b
    await asyncio.gather(a.stop(), b.stop())


def newest(room: Replica, fragment: str) -> object:
    return next(
        m for m in reversed(room.fake.messages(room.announcements)) if fragment in message_text(m)
    )


async def test_declare_pressed_on_both_replicas_at_once_declares_once(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    body = alertmanager(am_alert(model="churn-model", severity="warning"))
    assert (await a.alert("alertmanager", body)).status_code == 200
    await settle_all(a, b)
    proposed = newest(a, "Proposed incident")
    people = [a.people.alice, a.people.bob, a.people.carol, a.people.dana]
    presses = [
        room.press(proposed, "Declare SEV3", user=user)
        for room, user in zip([a, b, a, b], people, strict=True)
    ]
    answers = await asyncio.gather(*presses)
    await settle_all(a, b)
    [incident] = a.rows(Incident)
    [proposal] = a.rows(AlertProposal)
    assert proposal.status == "declared" and proposal.settled_by == incident.declared_by
    told = [json.dumps(a.fake.responses.get(url, [])) for _, url in answers]
    assert sum("Already declared as INC-1" in t for t in told) == 3


async def test_two_owners_pressing_take_command_at_once_leave_one_commander(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    body = alertmanager(am_alert(model="fraud-scorer", severity="critical"))
    assert (await a.alert("alertmanager", body)).status_code == 200
    await settle_all(a, b)
    call = newest(a, "nobody commands it yet")
    answers = await asyncio.gather(
        a.press(call, "Take command", user=OWNERS[0]),
        b.press(call, "Take command", user=OWNERS[1]),
    )
    await settle_all(a, b)
    commanders = [
        r.user_id for r in a.rows(RoleAssignment) if r.role == "commander" and r.ended_at is None
    ]
    assert len(commanders) == 1 and commanders[0] in OWNERS
    told = [json.dumps(a.fake.responses.get(url, [])) for _, url in answers]
    assert sum("already commands INC-1" in t for t in told) == 1
    assert sum("You command INC-1 now" in t for t in told) == 1
