"""A resolved incident's numbers are kept by the report and read back while the facts they
came from stand; a fact or a setting that changes them makes the report compute them again."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from app.persistence.tables import Incident, KeptNumbers
from app.services.context import ServiceContext
from app.services.metrics import incident_numbers
from app.services.report import period_report
from tests.harness import Warroom

YEAR = timedelta(days=365)


async def at_minute(warroom: Warroom, n: float) -> None:
    [incident] = warroom.rows(Incident)
    warroom.clock.set(incident.declared_at + timedelta(minutes=n))
    warroom.app.scheduler.wake()
    await warroom.settle(advance_clock=False)


async def resolved_incident(warroom: Warroom) -> str:
    """INC-1: contained at 40 minutes, resolved at 70."""
    await warroom.command("declare sev2 Fraud model precision dropped 15%")
    await warroom.settle()
    channel = str(warroom.incident_channel(1).id)
    await at_minute(warroom, 40)
    await warroom.command("status contained", channel=channel)
    await at_minute(warroom, 70)
    await warroom.command("resolve Fell back to the rules engine", channel=channel)
    await warroom.settle(advance_clock=False)
    return channel


def tamper(ctx: ServiceContext, contain_minutes: int) -> None:
    """Rewrite the kept row's time to contain, keeping its stamp: whatever reads it shows."""
    with ctx.db.transaction() as session:
        row = session.exec(select(KeptNumbers)).one()
        numbers = json.loads(row.numbers)
        numbers["contain"] = contain_minutes * 60_000_000
        row.numbers = json.dumps(numbers)
        session.add(row)


async def test_the_report_keeps_numbers_and_reads_them_back_until_a_fact_changes(
    warroom: Warroom,
) -> None:
    channel = await resolved_incident(warroom)
    ctx = warroom.app.ctx
    first = period_report(ctx, YEAR)
    [kept] = warroom.rows(KeptNumbers)
    assert kept.incident_id == 1
    assert incident_numbers(ctx, 1).time_to_contain == timedelta(minutes=40)

    tamper(ctx, 999)  # proves the next reads come from the kept row, not the facts
    assert incident_numbers(ctx, 1).time_to_contain == timedelta(minutes=999)
    assert period_report(ctx, YEAR).incidents.overall.incidents == first.incidents.overall.incidents

    # Reopening changes the facts (status moves): the kept row no longer counts.
    await at_minute(warroom, 90)
    await warroom.command("reopen precision fell again", channel=channel)
    await warroom.settle(advance_clock=False)
    reopened = incident_numbers(ctx, 1)
    assert reopened.time_to_contain == timedelta(minutes=40) and reopened.reopened
    assert not reopened.resolved


async def test_an_open_incident_is_never_kept_and_a_setting_change_recomputes(
    warroom: Warroom,
) -> None:
    await warroom.command("declare sev3 Churn model scores all zero")
    await warroom.settle()
    period_report(warroom.app.ctx, YEAR)
    assert warroom.rows(KeptNumbers) == []  # its numbers still move with the clock

    await warroom.settle()
    [incident] = warroom.rows(Incident)
    channel = str(warroom.incident_channel(1).id)
    await at_minute(warroom, 40)
    await warroom.command("status contained", channel=channel)
    await at_minute(warroom, 70)
    await warroom.command("resolve Fell back", channel=channel)
    await warroom.settle(advance_clock=False)
    ctx = warroom.app.ctx
    period_report(ctx, YEAR)
    tamper(ctx, 999)
    assert incident_numbers(ctx, incident.id or 0).time_to_contain == timedelta(minutes=999)

    graced = ctx.config.model_copy(update={"updates_grace": timedelta(minutes=7)})
    other = ServiceContext(ctx.db, graced, ctx.clock)
    assert incident_numbers(other, 1).time_to_contain == timedelta(minutes=40)
