"""Alerts on two replicas sharing one PostgreSQL database: an Alertmanager pair notifies
both, and a storm may arrive split across them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.config import parse_config
from app.persistence.tables import AlertLink, Incident
from tests.fakes.slack_api import FakeSlack
from tests.harness import ALERTS_TOKEN, FakeClock
from tests.integration.alert_bodies import alertmanager, am_alert
from tests.pg.replicas import Replica, settle_all

MODELS = 30
CONFIG = {
    "catalog": {
        "fs-online": {"kind": "feature_store"},
        **{f"model-{n:02}": {"kind": "model", "depends_on": ["fs-online"]} for n in range(MODELS)},
    },
    "alerts": {
        "rules": [{"match": {"severity": "critical"}, "action": "declare", "severity": "sev1"}]
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
    yield a, b
    await asyncio.gather(a.stop(), b.stop())


async def test_the_same_notification_to_both_replicas_declares_one_incident(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    body = alertmanager(am_alert(model="model-00"))
    answers = await asyncio.gather(*(r.alert("alertmanager", body) for r in (a, b, a, b)))
    assert [r.status_code for r in answers] == [200] * 4
    await settle_all(a, b)
    assert len(a.rows(Incident)) == 1 and len(a.rows(AlertLink)) == 1
    assert len([c for c in a.fake.channels() if c.name.startswith("inc-1")]) == 1


async def test_a_storm_split_across_replicas_is_one_incident(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    storm = [am_alert(model=f"model-{n:02}", fingerprint=f"f{n:02}") for n in range(MODELS)]
    halves = [alertmanager(*storm[::2]), alertmanager(*storm[1::2])]
    answers = await asyncio.gather(
        a.alert("alertmanager", halves[0]), b.alert("alertmanager", halves[1])
    )
    assert [r.status_code for r in answers] == [200, 200]
    await settle_all(a, b)
    [incident] = a.rows(Incident)
    links = a.rows(AlertLink)
    assert len(links) == MODELS and {link.incident_id for link in links} == {incident.id}
