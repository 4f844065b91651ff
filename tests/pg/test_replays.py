"""A signed request replayed to another replica is dropped there too: replicas share what
they have seen through the database."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.persistence.tables import Incident, SeenRequest
from tests.fakes import requests as slack_requests
from tests.harness import SIGNING_SECRET
from tests.pg.replicas import Replica, settle_all


@pytest.mark.parametrize("arrival", ["at once", "one after the other"])
async def test_one_signed_declaration_sent_to_both_replicas_opens_one_incident(
    replicas: tuple[Replica, Replica], arrival: str
) -> None:
    a, b = replicas
    body = slack_requests.slash_command_body(
        "declare sev2 Replayed to the other replica",
        user_id=a.people.alice,
        channel_id=a.general,
        response_url=a.fake.new_response_url(),
        trigger_id=a.fake.issue_trigger_id(),
    )
    headers = slack_requests.signed_headers(SIGNING_SECRET, body)

    async def send(replica: Replica) -> httpx.Response:
        return await replica.http.post("/slack/events", content=body, headers=headers)

    if arrival == "at once":  # twice to one replica too: both in one write of its sightings
        answers = list(await asyncio.gather(send(a), send(a), send(b)))
    else:
        answers = [await send(a), await send(b), await send(a)]
    await settle_all(a, b)

    assert [r.status_code for r in answers] == [200, 200, 200]
    assert sorted(bool(r.content) for r in answers) == [False, False, True]  # one ack
    assert [i.title for i in a.rows(Incident)] == ["Replayed to the other replica"]
    assert len(a.rows(SeenRequest)) == 1
