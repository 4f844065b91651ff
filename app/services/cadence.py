"""The update cadence: every audience of every active incident has a clock in the database.

`run_due` is what the scheduler calls. It takes each incident with due clocks under a row lock
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), so with any number of replicas each due update is
decided once, and writes the updates and reminders to the outbox in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import log_context
from app.domain.audiences import Audience
from app.domain.cadence import next_due, plan
from app.domain.durations import humanize
from app.domain.metrics import due_record
from app.domain.permissions import publishing_contacts
from app.domain.roles import COMMANDER, COMMS
from app.domain.status import Status
from app.persistence.tables import AudienceClock, Incident, StatusUpdate
from app.rendering.context import person, slack_date
from app.rendering.templates import Markup
from app.services import emails, faults, status_posts
from app.services.compose import Composed, Composer, Narrative, last_narrative
from app.services.context import BOT_ACTOR, ServiceContext, Unit
from app.services.lookup import current_holders
from app.services.outbox_messages import UpdateDue

BATCH = 50  # incidents handled per scheduler tick


def start(ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
    """At declaration: the declaration counts as every audience's first update."""
    assert incident.id is not None
    for audience in ctx.audiences:
        row = AudienceClock(
            incident_id=incident.id, audience=audience.key, last_update_at=incident.declared_at
        )
        schedule(ctx, row, incident)
        unit.session.add(row)


def reschedule(ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
    """Severity changed or the incident reopened: every due time is recomputed at once."""
    for row in clocks(unit.session, incident):
        schedule(ctx, row, incident)
        unit.session.add(row)


def schedule(ctx: ServiceContext, row: AudienceClock, incident: Incident) -> None:
    audience = ctx.audiences.get(row.audience)
    severity = ctx.severities.describe(incident.severity)
    follows = (
        audience is not None
        and incident.status != Status.RESOLVED.value
        and audience.applies(incident.severity, incident.private, ctx.severities)
    )
    planned = plan(
        row.last_update_at,
        severity,
        follows=follows,
        automatic=audience is not None and audience.sent_automatically,
        reminded=row.reminded_at is not None,
        overdue_told=row.overdue_told_at is not None,
    )
    row.due_at, row.wake_at = planned.due_at, planned.wake_at


def updated(ctx: ServiceContext, row: AudienceClock, incident: Incident, now: datetime) -> None:
    """An update reached this audience: its clock starts again from now."""
    row.last_update_at = now
    row.updates_sent += 1
    row.reminded_at = None
    row.overdue_told_at = None
    schedule(ctx, row, incident)


def clocks(session: Session, incident: Incident) -> list[AudienceClock]:
    return list(session.exec(select(AudienceClock).where(AudienceClock.incident_id == incident.id)))


# --- the scheduler's side ------------------------------------------------------------------


def next_wake(ctx: ServiceContext) -> datetime | None:
    now = ctx.clock.now()
    with ctx.db.read() as session:
        return session.exec(
            select(func.min(AudienceClock.wake_at)).where(col(AudienceClock.wake_at) > now)
        ).one()


def due_incidents(session: Session, now: datetime, limit: int, per_incident: int) -> list[int]:
    """Incidents with a clock due, earliest first. The due clocks are read from the wake_at
    index first (a range, however many incidents are active), then grouped; `per_incident`
    (the number of audiences) makes sure `limit` incidents are found when they are due."""
    due = (
        select(AudienceClock.incident_id, AudienceClock.wake_at)
        .where(col(AudienceClock.wake_at) <= now)
        .order_by(col(AudienceClock.wake_at))
        .limit(limit * per_incident)
        .subquery()
    )
    rows = session.exec(
        select(due.c.incident_id, func.min(due.c.wake_at))
        .group_by(due.c.incident_id)
        .order_by(func.min(due.c.wake_at))
        .limit(limit)
    )
    return [incident_id for incident_id, _ in rows]


def run_due(ctx: ServiceContext, limit: int = BATCH) -> int:
    """Send what is due, remind who must publish, tell commanders what is overdue. What
    fails for one incident stays with it: the others go on."""
    with ctx.db.read() as session:
        due = due_incidents(session, ctx.clock.now(), limit, max(len(ctx.audiences.keys), 1))
    done = 0
    for incident_id in due:
        with log_context.scope(incident=incident_id):
            try:
                done += _tick_incident(ctx, incident_id)
            except Exception as exc:
                _incident_failed(ctx, incident_id, exc)
    return done


def _incident_failed(ctx: ServiceContext, incident_id: int, error: Exception) -> None:
    """Its due clocks wait a minute; comms and the commander are told once."""
    with ctx.unit() as unit:
        incident = unit.session.exec(
            select(Incident).where(Incident.id == incident_id).with_for_update(skip_locked=True)
        ).first()
        if incident is None:
            return
        for row in clocks(unit.session, incident):
            if row.wake_at and row.wake_at <= unit.now:
                row.wake_at = unit.now + faults.RETRY_AFTER
                unit.session.add(row)
        if faults.note(unit, f"cadence:{incident_id}", error, incident_id):
            holders = current_holders(unit.session, incident_id)
            people = {holders.get(COMMS), holders.get(COMMANDER)}
            what = f"work out the updates due for {incident.ref}"
            faults.tell(unit, incident_id, people, what, error)


def _tick_incident(ctx: ServiceContext, incident_id: int) -> bool:
    with ctx.unit() as unit:
        incident = unit.session.exec(
            select(Incident).where(Incident.id == incident_id).with_for_update(skip_locked=True)
        ).first()
        if incident is None:
            return False  # another replica has it right now
        due = [r for r in clocks(unit.session, incident) if r.wake_at and r.wake_at <= unit.now]
        order = {key: n for n, key in enumerate(ctx.audiences.keys)}
        due.sort(key=lambda row: order.get(row.audience, len(order)))  # as configured
        if not due:
            return False  # another replica handled it a moment ago
        tick = _Tick(ctx, unit, incident)
        tick.run(due)
        faults.clear(unit, f"cadence:{incident_id}", tick.open_faults)
        return True


class _Tick:
    """One incident's due clocks, handled together: one update round, one reminder."""

    def __init__(self, ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
        self.ctx, self.unit, self.incident = ctx, unit, incident
        self.composer = Composer(ctx, unit.session, incident)
        self.severity = ctx.severities.describe(incident.severity)
        self.now = unit.now
        self.update: StatusUpdate | None = None  # this round's, once something is sent

    def run(self, due: list[AudienceClock]) -> None:
        sent: list[Audience] = []
        remind: list[AudienceClock] = []
        overdue: list[AudienceClock] = []
        for row in due:
            audience = self.ctx.audiences.get(row.audience)
            if audience is None or self.incident.status == Status.RESOLVED.value:
                row.wake_at = None
            else:
                outcome = self._try_to_send(audience, row) if audience.sent_automatically else None
                if outcome == "sent":
                    sent.append(audience)
                elif outcome != "failed":  # manual, or held back: a person must publish
                    (remind if row.reminded_at is None else overdue).append(row)
                    if row.reminded_at is None:
                        row.reminded_at = self.now
                    else:
                        row.overdue_told_at = self.now
                    schedule(self.ctx, row, self.incident)
            self.unit.session.add(row)
        self._guarded("reminders", lambda: self._after_sending(sent))
        self._guarded("reminders", lambda: self._remind(remind))
        self._guarded("reminders", lambda: self._tell_commander(overdue))

    def _try_to_send(self, audience: Audience, row: AudienceClock) -> str:
        """`sent`, `held` (not approved), or `failed`: a failure (a template broken on disk)
        stays with this audience; it retries in a minute, comms and the commander told once."""
        assert self.incident.id is not None
        key = f"update:{self.incident.id}:{audience.key}"
        try:
            sent = self._send(audience, row)
        except Exception as exc:
            row.wake_at = self.now + faults.RETRY_AFTER
            if faults.note(self.unit, key, exc, self.incident.id):
                what = f"prepare the {audience.title} update of {self.incident.ref}"
                faults.tell(self.unit, self.incident.id, self._people(), what, exc)
            return "failed"
        faults.clear(self.unit, key, self.open_faults)
        return "sent" if sent else "held"

    def _guarded(self, what: str, work: Callable[[], None]) -> None:
        """A reminder that cannot be written is noted and told once; the updates stand."""
        assert self.incident.id is not None
        key = f"{what}:{self.incident.id}"
        try:
            work()
        except Exception as exc:
            if faults.note(self.unit, key, exc, self.incident.id):
                text = f"write the update reminders of {self.incident.ref}"
                faults.tell(self.unit, self.incident.id, self._people(), text, exc)
        else:
            faults.clear(self.unit, key, self.open_faults)

    @cached_property
    def open_faults(self) -> set[str]:
        assert self.incident.id is not None
        return faults.open_faults(self.unit, self.incident.id)

    def _people(self) -> set[str | None]:
        picture = self.composer.picture
        return {picture.holder(COMMS), picture.commander}

    @cached_property
    def narrative(self) -> Narrative:
        """What every automatic update of this round repeats: the incident's impact and what
        the last person-written update said is uncertain and comes next (read once)."""
        assert self.incident.id is not None
        last = last_narrative(self.unit.session, self.incident.id)
        return Narrative(
            impact=self.incident.impact, uncertain=last.uncertain, next_steps=last.next_steps
        )

    def _send(self, audience: Audience, row: AudienceClock) -> bool:
        composed = self.composer.compose(
            audience,
            "updates",
            self.narrative,
            BOT_ACTOR,
            self.now,
            since=row.last_update_at,
            next_update=next_due(self.now, self.severity),
        )
        if not composed.sendable:
            return False
        update = self._update_row()
        due = UpdateDue(row.due_at, automatic=True) if row.due_at else None
        deliver(
            self.ctx,
            self.unit,
            self.incident,
            composed,
            automatic=True,
            update_id=update.id,
            due=due,
        )
        update.audiences = [*update.audiences, audience.key]  # reassigned: JSON is tracked so
        update.due = {**update.due, **due_record({audience.key: row.due_at})}
        self.unit.session.add(update)
        updated(self.ctx, row, self.incident, self.now)
        return True

    def _update_row(self) -> StatusUpdate:
        """One StatusUpdate for the round (its id goes with each message, for the votes)."""
        if self.update is None:
            assert self.incident.id is not None
            self.update = StatusUpdate(
                incident_id=self.incident.id, at=self.now, author=BOT_ACTOR, automatic=True
            )
            self.unit.session.add(self.update)
            self.unit.session.flush()
        return self.update

    def _after_sending(self, sent: list[Audience]) -> None:
        if not sent:
            return
        assert self.incident.id is not None
        titles = [a.title for a in sent]
        self.unit.log(
            self.incident.id, BOT_ACTOR, "update", "Automatic update to " + ", ".join(titles)
        )
        self.unit.refresh_homes()  # the next update time shown there moved
        text = self.composer.render(
            "reminders/narrative_request",
            self.now,
            owner=who_publishes(self.composer),
            audiences=titles,
            next_update=_date(next_due(self.now, self.severity)),
        )
        self.unit.post_text(self.incident.id, text)

    def _remind(self, rows: list[AudienceClock]) -> None:
        if not rows:
            return
        assert self.incident.id is not None
        text = self.composer.render(
            "reminders/update_due",
            self.now,
            owners=self._who_can_publish(),
            audiences=self._titles(rows),
            due=_date(min(r.due_at or self.now for r in rows)),
        )
        self.unit.post_text(self.incident.id, text)

    def _tell_commander(self, rows: list[AudienceClock]) -> None:
        commander = self.composer.picture.commander
        if not rows or commander is None:
            return
        assert self.incident.id is not None
        last = min(r.last_update_at for r in rows)
        text = self.composer.render(
            "reminders/update_overdue",
            self.now,
            audiences=self._titles(rows),
            due=_date(min(r.due_at or self.now for r in rows)),
            silent_for=humanize(self.now - last),
            owners=self._who_can_publish(),
        )
        self.unit.post_text(self.incident.id, text, channel=commander)

    def _who_can_publish(self) -> Markup:
        picture = self.composer.picture
        owners = publishing_contacts(picture.holder(COMMS), picture.commander, self.ctx.publishers)
        return Markup(" ".join(owners))

    def _titles(self, rows: list[AudienceClock]) -> list[str]:
        found = [self.ctx.audiences.get(r.audience) for r in rows]
        return [a.title for a in found if a is not None]


def deliver(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    composed: Composed,
    *,
    automatic: bool,
    update_id: int | None,
    due: UpdateDue | None = None,
) -> None:
    """The composed words into the outbox, to the audience's channel and its email. An
    automatic update still waiting there for this incident and audience is stale once this one
    is written, and is dropped; a person's update is never dropped. Audiences asked for
    feedback get the "Was this useful?" buttons, about this update. `due`: when it was due (its
    lateness is measured once it reaches Slack). Words to customers also go on the status
    page."""
    assert incident.id is not None and composed.text is not None
    audience = composed.audience
    key = f"update:{incident.id}:{audience.key}"
    unit.drop_stale(key)  # its Slack post and its email alike
    # A drill's audiences all hear it in the drill channel: nothing reaches real people.
    if audience.channel is not None or incident.drill:
        channel = None if audience.in_incident_channel or incident.drill else audience.channel
        unit.post_text(
            incident.id,
            composed.text,
            channel=channel,
            audience=audience.key,
            supersede_key=key if automatic else None,
            update_id=update_id if audience.feedback else None,
            due=due,
        )
    emails.send(unit, incident.id, composed, supersede_key=key if automatic else None)
    status_posts.record(ctx, unit, incident, composed)


def hold_back(unit: Unit, composer: Composer, incident: Incident, composed: Composed) -> None:
    """Unapproved wording is never sent: comms (or the commander) is told in the channel, and
    the audience's update stays pending (its clock does not restart)."""
    assert incident.id is not None
    text = composer.render(
        "reminders/held_back",
        unit.now,
        owner=who_publishes(composer),
        audience=composed.audience.title,
        template=composed.template,
        reason=composed.held_back or "not approved",
    )
    unit.post_text(incident.id, text)


def who_publishes(composer: Composer) -> Markup:
    """Who a request for an update is addressed to: comms, else the commander; with publishers
    configured, people who can publish it beyond the incident channel."""
    comms, commander = composer.picture.holder(COMMS), composer.picture.commander
    if not composer.ctx.publishers.configured:
        return person(comms or commander)
    return Markup(" ".join(publishing_contacts(comms, commander, composer.ctx.publishers)))


def _date(moment: datetime | None) -> Any:
    return slack_date(moment) if moment else None
