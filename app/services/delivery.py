"""The outbox's delivery side: claim ready work, record what Slack (or the mail server, or the
model registry) answered, retry or give up.

Any number of processes may run this side by side: a claim takes a lease on each row inside a
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single writer), so each row is
worked on by one process at a time. Rows in one sequence (posts to one channel) go out in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, exists, func, or_
from sqlmodel import Session, col, select

from app.domain.incident import IncidentSnapshot
from app.domain.roles import COMMANDER, COMMS
from app.domain.text import escape, redact
from app.persistence.tables import Incident, OutboxMessage
from app.services import emails, faults, rollback_moves, timeline
from app.services import outbox_messages as said
from app.services.context import BOT_ACTOR, Op, ServiceContext, Unit
from app.services.home import HomeData, home_data
from app.services.lookup import current_holders, snapshot

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)
RESPONSE_URL_LIFETIME = timedelta(minutes=30)
# How an attempt ended, as /metrics counts deliveries (any kind of row: Slack, registry, email).
OK, RETRIED, RATE_LIMITED, FAILED = "ok", "retried", "rate_limited", "failed"
# A decided rollback waits for an unreachable registry only briefly: then it is reported as
# failed, and the commander decides again, rather than it happening by surprise much later.
MOVE_LIFETIME = timedelta(minutes=2)
# Ops that are not idempotent in Slack: an attempt that may have landed must be checked first.
_CHECK_BEFORE_REPEAT = {
    Op.POST.value,
    Op.CREATE_CHANNEL.value,
    Op.RESPOND.value,
    Op.UPLOAD.value,
}
# Ops whose messages are rendered from the incident's current state.
_NEEDS_INCIDENT = {
    Op.POST.value,
    Op.UPDATE.value,
    Op.CREATE_CHANNEL.value,
    Op.RESPOND.value,
    Op.REFRESH.value,
}


class RetryLater(Exception):
    """Try the row again after `delay`."""

    def __init__(
        self, delay: timedelta, error: str, landed: bool | None, *, rate_limited: bool = False
    ) -> None:
        super().__init__(error)
        self.delay = delay
        self.landed = landed  # False: Slack did not act on the attempt; None: it may have
        self.rate_limited = rate_limited  # the other side asked us to slow down (a 429)


class GiveUp(Exception):
    """Slack refused in a way that retrying cannot fix."""


class CannotRender(GiveUp):
    """The row's message cannot be rendered (a stored message no version reads, a template
    broken on disk): it never will be, so the row gives up at once, and someone is told."""


class LeaseLost(Exception):
    """Another process took the row over while this one worked on it: stop, record nothing."""


def describe_error(exc: BaseException) -> str:
    """What is stored and logged about a failure: its class and message, never its repr (an
    HTTP exception's repr can carry request headers, tokens included), tokens redacted."""
    message = str(exc)
    return redact(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 1s, 2s, 4s … capped at five minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


@dataclass(frozen=True)
class IncidentSlackState:
    channel_id: str | None
    channel_name: str | None
    kickoff_ts: str | None
    announcement_channel_id: str | None
    announcement_ts: str | None
    topic: str | None


@dataclass(frozen=True)
class Work:
    """One claimed outbox row, with everything the gateway needs to carry it out."""

    id: int
    op: str
    owner: str  # with `attempts`, the fencing token: only this lease may record the outcome
    target: str | None  # the channel (ID, #name or user ID) this row is for, once known
    payload: dict[str, Any]
    attempts: int
    maybe_sent: bool  # an earlier attempt may have reached Slack
    created_at: datetime
    incident: IncidentSnapshot | None = None
    slack: IncidentSlackState | None = None
    dependency: dict[str, Any] = field(default_factory=dict)  # result of the row it waited for
    home: HomeData | None = None  # what a person's App Home shows, for REFRESH_HOME
    progress: dict[str, Any] = field(default_factory=dict)  # steps earlier attempts finished
    drill: bool = False  # about a drill: everything said is marked [DRILL]
    incident_id: int | None = None  # the incident it is about, if any (for the log)


def claim_ready(ctx: ServiceContext, owner: str, limit: int) -> list[Work]:
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        rows = list(session.exec(_ready_query(now, limit)))
        pictures = _Pictures(ctx, session)
        work, superseded = [], 0
        for row in rows:
            if _superseded(session, row):
                _finish(row, now, {"superseded": True})
                session.add(row)
                superseded += 1
                continue
            work.append(_lease(session, row, owner, now, pictures))
    if superseded:
        ctx.wake()  # the rows queued behind them are ready now
    return work


class _Pictures:
    """Incident rows and snapshots for one claim, each read once however many rows need it."""

    def __init__(self, ctx: ServiceContext, session: Session) -> None:
        self.ctx, self.session = ctx, session
        self._snapshots: dict[int, IncidentSnapshot] = {}

    def incident(self, incident_id: int | None) -> Incident | None:
        return self.session.get(Incident, incident_id) if incident_id else None

    def snapshot(self, incident: Incident) -> IncidentSnapshot:
        assert incident.id is not None
        if incident.id not in self._snapshots:
            self._snapshots[incident.id] = snapshot(
                self.session,
                incident,
                self.ctx.severities,
                self.ctx.roles,
                self.ctx.catalog,
                now=self.ctx.clock.now(),
            )
        return self._snapshots[incident.id]


def _ready_query(now: datetime, limit: int) -> Any:
    """Pending, due, not leased, its channel known, its dependency sent, and first in line."""
    outbox: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
    incidents: Table = Incident.__table__  # type: ignore[attr-defined]
    dependency = outbox.alias("dependency")
    row, dep, earlier = outbox.c, dependency.c, outbox.alias("earlier").c
    waits_for_earlier = exists().where(
        earlier.sequence_key == row.sequence_key,
        earlier.status == "pending",
        earlier.id < row.id,
    )
    channel_known = or_(
        row.channel.is_not(None),
        row.incident_id.is_(None),
        row.op == Op.CREATE_CHANNEL.value,
        incidents.c.channel_id.is_not(None),
    )
    return (
        select(OutboxMessage)
        .outerjoin(incidents, incidents.c.id == row.incident_id)
        .outerjoin(dependency, dep.id == row.depends_on)
        .where(
            row.status == "pending",
            row.not_before <= now,
            or_(row.lease_until.is_(None), row.lease_until < now),
            channel_known,
            or_(row.depends_on.is_(None), dep.status == "sent"),
            or_(row.sequence_key.is_(None), ~waits_for_earlier),
        )
        .order_by(row.not_before, row.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=outbox)
    )


def _superseded(session: Session, row: OutboxMessage) -> bool:
    """A refresh with a later refresh queued behind it has nothing to add."""
    if row.op not in (Op.REFRESH.value, Op.REFRESH_HOME.value):
        return False
    later = select(OutboxMessage.id).where(
        OutboxMessage.sequence_key == row.sequence_key,
        OutboxMessage.status == "pending",
        col(OutboxMessage.id) > row.id,
    )
    return session.exec(later.limit(1)).first() is not None


def _lease(
    session: Session, row: OutboxMessage, owner: str, now: datetime, pictures: _Pictures
) -> Work:
    assert row.id is not None
    maybe_sent_before = row.maybe_sent or (row.attempts > 0 and not row.last_error)
    row.attempts += 1
    row.lease_owner = owner
    row.lease_until = now + LEASE
    if row.op in _CHECK_BEFORE_REPEAT:
        row.maybe_sent = True  # cleared again if Slack answers that it did not act
    session.add(row)
    incident = pictures.incident(row.incident_id)
    needs_picture = (
        incident is not None
        and row.op in _NEEDS_INCIDENT
        and row.payload.get("message") != said.Text.KIND  # already rendered
    )
    return Work(
        id=row.id,
        op=row.op,
        owner=owner,
        target=row.channel if row.channel is not None else _incident_channel(incident),
        payload=dict(row.payload),
        attempts=row.attempts,
        maybe_sent=maybe_sent_before,
        created_at=row.created_at,
        incident=pictures.snapshot(incident) if needs_picture and incident else None,
        slack=_slack_state(incident) if incident else None,
        dependency=_dependency_result(session, row),
        home=_home(pictures, row, now),
        progress=dict(row.progress or {}),
        drill=bool(incident is not None and incident.drill),
        incident_id=row.incident_id,
    )


def _home(pictures: _Pictures, row: OutboxMessage, now: datetime) -> HomeData | None:
    if row.op != Op.REFRESH_HOME.value:
        return None
    return home_data(pictures.ctx, pictures.session, row.payload["user"], now)


def _incident_channel(incident: Incident | None) -> str | None:
    return incident.channel_id if incident else None


def _slack_state(incident: Incident) -> IncidentSlackState:
    return IncidentSlackState(
        incident.channel_id,
        incident.channel_name,
        incident.kickoff_ts,
        incident.announcement_channel_id,
        incident.announcement_ts,
        incident.topic,
    )


def _dependency_result(session: Session, row: OutboxMessage) -> dict[str, Any]:
    if row.depends_on is None:
        return {}
    dependency = session.get(OutboxMessage, row.depends_on)
    return dict(dependency.result) if dependency else {}


def _still_ours(row: OutboxMessage | None, work: Work) -> bool:
    """False when the lease lapsed and another process took the row over: its outcome wins."""
    if row is None or row.status != "pending":
        return False
    if row.lease_owner != work.owner or row.attempts != work.attempts:
        log.warning("outbox #%s: lease lost to %s; not recording", work.id, row.lease_owner)
        return False
    return True


def record_step(ctx: ServiceContext, work: Work, step: str, result: dict[str, Any]) -> None:
    """A step of a multi-step row is done: written down before the next step begins, so a
    retry continues from the first step not done instead of repeating this one."""
    with ctx.db.transaction() as session:
        row = session.exec(
            select(OutboxMessage).where(OutboxMessage.id == work.id).with_for_update()
        ).first()
        if not _still_ours(row, work):
            raise LeaseLost(f"outbox #{work.id} was taken over")
        assert row is not None
        row.progress = {**(row.progress or {}), step: result}
        session.add(row)
        incident = session.get(Incident, row.incident_id) if row.incident_id else None
        if incident is not None and row.op == Op.REFRESH.value and step == "topic":
            incident.topic = result["topic"]  # a later refresh must not set it again
            session.add(incident)


def mark_sent(ctx: ServiceContext, work: Work, result: dict[str, Any]) -> str | None:
    """OK; None when the row was not ours any more (nothing recorded)."""
    with ctx.unit() as unit:
        row = unit.session.get(OutboxMessage, work.id)
        if not _still_ours(row, work):
            return None
        assert row is not None
        _finish(row, unit.now, result)
        unit.session.add(row)
        if row.op == Op.EMAIL.value:
            emails.tell_refused(unit, row, result.get("refused") or {})
        elif row.incident_id is not None:
            _record_on_incident(unit, row, result)
            _clear_fault_of_place(unit, row)
    ctx.wake()  # rows that waited for this one may now be ready
    _measure_lateness(ctx, work, unit.now)
    return OK


def _measure_lateness(ctx: ServiceContext, work: Work, sent_at: datetime) -> None:
    """An update that was due: how long after its due time it reached its audience (a
    drill's updates are an exercise, not the service people got)."""
    due = said.UpdateDue.decode(work.payload.get("due"))
    audience = (work.payload.get("params") or {}).get("audience")
    if due is not None and audience and not work.drill:
        ctx.health.update_late(str(audience), due.automatic, max(sent_at - due.at, timedelta(0)))


def _finish(row: OutboxMessage, now: datetime, result: dict[str, Any]) -> None:
    row.status = "sent"
    row.sent_at = now
    row.result = result
    row.lease_owner = None
    row.lease_until = None
    row.maybe_sent = False


def _record_on_incident(unit: Unit, row: OutboxMessage, result: dict[str, Any]) -> None:
    session, now = unit.session, unit.now
    incident = session.get(Incident, row.incident_id)
    if incident is None:
        return
    if row.op == Op.CREATE_CHANNEL.value:
        incident.channel_id = result["channel"]
        incident.channel_name = result["name"]
    elif row.op == Op.REFRESH.value and "topic" in result:
        incident.topic = result["topic"]
    elif row.payload.get("record_as") == "kickoff":
        incident.kickoff_ts = result["ts"]
    elif row.payload.get("record_as") == "announcement":
        incident.announcement_channel_id = result["channel"]
        incident.announcement_ts = result["ts"]
    elif row.op == Op.MOVE_ALIAS.value:
        rollback_moves.moved(unit, row.payload, result)
    elif row.op == Op.READ_PINNED.value:
        pin = timeline.Pin(
            **{k: row.payload[k] for k in ("channel_id", "ts", "pinned_by", "author")}
        )
        timeline.log_pinned(session, incident.id or 0, pin, result, now)
    session.add(incident)


def mark_retry(
    ctx: ServiceContext, work: Work, delay: timedelta, error: str, *, landed: bool | None
) -> str | None:
    """Try again after `delay`. `landed` False: Slack said it did not act; None: unknown.
    RETRIED; FAILED when it was tried for too long and given up instead; None: not ours."""
    now = ctx.clock.now()
    if now - work.created_at > _lifetime(work):
        return mark_dead(ctx, work, f"gave up after {work.attempts} attempts: {error}")
    with ctx.unit() as unit:
        row = unit.session.get(OutboxMessage, work.id)
        if not _still_ours(row, work):
            return None
        assert row is not None
        row.not_before = now + delay
        row.lease_owner = None
        row.lease_until = None
        row.last_error = redact(error)[:500]
        if landed is False:
            row.maybe_sent = work.maybe_sent
        if row.op == Op.EMAIL.value:
            emails.tell_if_slow(unit, row, error)  # people, not only Slack, wait for it
        unit.session.add(row)
    return RETRIED


def _lifetime(work: Work) -> timedelta:
    if work.op == Op.MOVE_ALIAS.value:
        return MOVE_LIFETIME
    return RESPONSE_URL_LIFETIME if work.op == Op.RESPOND.value else GIVE_UP_AFTER


def mark_dead(
    ctx: ServiceContext, work: Work, error: str, *, unrenderable: bool = False
) -> str | None:
    """Give up on a row, and on the rows that can never happen without it. FAILED; None:
    the row was not ours any more."""
    with ctx.unit() as unit:
        row = unit.session.get(OutboxMessage, work.id)
        if not _still_ours(row, work):
            return None
        assert row is not None
        _bury(row, unit.now, error)
        unit.session.add(row)
        for waiting in _rows_that_need(unit.session, row):
            _bury(waiting, unit.now, f"not possible: outbox #{row.id} failed ({error})")
            unit.session.add(waiting)
        if row.op == Op.MOVE_ALIAS.value:
            rollback_moves.failed(unit, row.payload, error)
        elif row.op == Op.EMAIL.value and not unrenderable:
            emails.tell_not_sent(unit, row, error)
        elif unrenderable:
            _tell_unrenderable(unit, row, error)
        else:
            _tell_who_can_act(unit, row, work, error)
    return FAILED


def _tell_unrenderable(unit: Unit, row: OutboxMessage, error: str) -> None:
    """Once per incident and kind of message, in the incident channel (plain words, which
    always render), to its commander and comms."""
    kind = str(row.payload.get("message") or row.op)
    key = f"render:{row.incident_id}:{kind}"
    if row.incident_id is None or not faults.note(unit, key, CannotRender(error), row.incident_id):
        return
    holders = current_holders(unit.session, row.incident_id)
    people = {holders.get(COMMANDER), holders.get(COMMS)}
    faults.tell(
        unit,
        row.incident_id,
        people,
        f"write a {kind} message, so it was not sent",
        CannotRender(error),
    )


def _tell_who_can_act(unit: Unit, row: OutboxMessage, work: Work, error: str) -> None:
    """Once per episode (a fault noted until a later row there gets through): a channel that
    could not be created, an incident channel Warroom can no longer post in (archived, deleted,
    Warroom removed), an audience channel left in silence."""
    incident_id, shown = row.incident_id, escape(error)
    if incident_id is None:
        return
    if row.op == Op.CREATE_CHANNEL.value and work.incident is not None:
        if work.incident.declared_by == BOT_ACTOR:  # declared from an alert: no one to DM
            return  # the row gives up and its fault is recorded; nobody to tell by DM
        unit.direct_message(incident_id, work.incident.declared_by, said.ChannelFailed(error))
    elif row.channel is None and faults.note(unit, _where(row), GiveUp(error), incident_id):
        commander = current_holders(unit.session, incident_id).get(COMMANDER)
        if commander:
            unit.post_text(
                incident_id,
                f":warning: Warroom can no longer post in the channel of INC-{incident_id} "
                f"(Slack said `{shown}`), so its updates and reminders there are lost. If it "
                "was archived by mistake, unarchive it and invite Warroom back.",
                channel=commander,
            )
    elif _audience(row) and faults.note(unit, _where(row), GiveUp(error), incident_id):
        audience = _audience(row)
        unit.post_text(  # an audience is left in silence: say so where people look
            incident_id,
            f":warning: The {audience} update could not be posted to {escape(row.channel or '')} "
            f"(Slack said `{shown}`). Check `audiences.{audience}.channel` in the "
            "configuration, and invite Warroom if the channel is private.",
        )


def _audience(row: OutboxMessage) -> str | None:
    audience = (row.payload.get("params") or {}).get("audience")
    return str(audience) if audience else None


def _where(row: OutboxMessage) -> str:
    """The fault key of the place a row goes: its incident's channel, or an audience's."""
    if row.channel is None:
        return f"channel:{row.incident_id}"
    return f"audience:{row.incident_id}:{_audience(row)}"


def _clear_fault_of_place(unit: Unit, row: OutboxMessage) -> None:
    if row.incident_id is not None and (row.channel is None or _audience(row)):
        faults.clear(unit, _where(row))


def _bury(row: OutboxMessage, now: datetime, error: str) -> None:
    row.status = "dead"
    row.sent_at = now
    row.lease_owner = None
    row.lease_until = None
    row.last_error = redact(error)[:500]


def _rows_that_need(session: Session, row: OutboxMessage) -> list[OutboxMessage]:
    dependants = col(OutboxMessage.depends_on) == row.id
    if row.op == Op.CREATE_CHANNEL.value:
        in_channel = and_(
            col(OutboxMessage.incident_id) == row.incident_id, col(OutboxMessage.channel).is_(None)
        )
        dependants = or_(dependants, in_channel)
    query = select(OutboxMessage).where(OutboxMessage.status == "pending", dependants)
    return list(session.exec(query))


def next_due(ctx: ServiceContext) -> datetime | None:
    """When the next pending row becomes due, or a lease lapses, after now.

    Rows already due but blocked (waiting for a channel, a dependency or an earlier row in
    their sequence) are not counted: the delivery they wait for wakes the scheduler.
    """
    now = ctx.clock.now()
    with ctx.db.read() as session:
        due = session.exec(
            select(func.min(OutboxMessage.not_before)).where(
                OutboxMessage.status == "pending", col(OutboxMessage.not_before) > now
            )
        ).one()
        lapse = session.exec(
            select(func.min(OutboxMessage.lease_until)).where(
                OutboxMessage.status == "pending", col(OutboxMessage.lease_until) > now
            )
        ).one()
    times = [t for t in (due, lapse) if t is not None]
    return min(times) if times else None
