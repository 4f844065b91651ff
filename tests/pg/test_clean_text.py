"""Text with NUL and other control characters, into a replica on PostgreSQL: PostgreSQL
refuses NUL in text, so uncleaned input lost the whole declaration."""

from __future__ import annotations

from app.persistence.tables import Incident, TimelineEntry
from tests.pg.replicas import StartReplica


async def test_a_declaration_with_nul_in_its_title_is_recorded(
    start_replica: StartReplica,
) -> None:
    replica = await start_replica()
    reply = await replica.command("declare sev2 Fraud\x00 model\u202e drift\x1f")
    assert reply.response.status_code == 200
    await replica.settle()
    [incident] = replica.rows(Incident)
    assert incident.title == "Fraud model drift"
    channel = str(replica.incident_channel(1).id)
    await replica.command("note rolled\x00 back\nto v41\u2066", channel=channel)
    await replica.settle()
    assert "rolled back\nto v41" in [e.text for e in replica.rows(TimelineEntry)]
