"""Pending decisions: asked, reminded until made, made once, logged with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain import decisions as rules
from app.domain.decisions import DecisionStatus
from app.domain.durations import humanize
from app.domain.errors import FormProblem, InvalidInput, NotAllowed, NotFound
from app.domain.permissions import ensure_may_manage, may_manage
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import escape, mention
from app.persistence.tables import Decision, Incident
from app.rendering.context import decision_view
from app.services import faults, rollback_moves, wakes
from app.services import outbox_messages as said
from app.services.compose import Composer
from app.services.context import Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel

MAX_RATIONALE = 300


class AlreadyDecided(InvalidInput):
    """The decision was made (or closed) before this attempt: nothing is recorded twice."""


@dataclass(frozen=True)
class Unsettled:
    """A pending decision, as plain values (it outlives the transaction that found it)."""

    id: int
    number: int
    question: str


class PendingDecisions(InvalidInput):
    """Resolving was refused: these decisions must be closed or carried over first."""

    def __init__(self, message: str, decisions: list[Unsettled]) -> None:
        super().__init__(message)
        self.decisions = decisions


@dataclass(frozen=True)
class Ask:
    question: str
    asked_by: str
    options: list[str] | None = None
    owner: str | None = None
    due_in: timedelta | None = None


def ask_decision(ctx: ServiceContext, channel_id: str, ask: Ask) -> Decision:
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        return record_decision(ctx, unit, incident, ask)


def record_decision(ctx: ServiceContext, unit: Unit, incident: Incident, ask: Ask) -> Decision:
    """Ask a decision inside a use case's transaction (the incident row locked)."""
    assert incident.id is not None
    question = rules.check_question(ask.question)
    options = ask.options or list(rules.DEFAULT_OPTIONS)
    if incident.status == Status.RESOLVED.value:
        raise InvalidInput(f"{incident.ref} is resolved; reopen it to ask for a decision.")
    commander = current_holders(unit.session, incident.id).get(COMMANDER)
    _ensure_may_name_owner(ctx, ask, commander)
    severity = ctx.severities.describe(incident.severity)
    decision = Decision(
        incident_id=incident.id,
        number=_next_number(unit.session, incident.id),
        question=question,
        options=options,
        owner=ask.owner or commander or ask.asked_by,
        asked_by=ask.asked_by,
        asked_at=unit.now,
        due_at=unit.now + (ask.due_in or severity.decision_due),
    )
    _plan(decision, commander)
    unit.session.add(decision)
    unit.session.flush()
    message = unit.post_in_incident(incident.id, asked_message(decision))
    decision.message_outbox_id = message.id
    unit.log(
        incident.id,
        ask.asked_by,
        "decision",
        f"{ref(decision)} asked: {question} "
        f"(owner {decision.owner}, options {' / '.join(options)})",
        people=[decision.owner],
    )
    unit.refresh(incident.id)
    return decision


def record_made(
    unit: Unit,
    incident: Incident,
    question: str,
    options: list[str],
    outcome: str,
    actor: str,
    why: str,
) -> Decision:
    """A decision made as it is asked (the commander overriding a gate): on the record with
    who, when and why, like any other, shown in the channel with its outcome."""
    assert incident.id is not None
    decision = Decision(
        incident_id=incident.id,
        number=_next_number(unit.session, incident.id),
        question=question[: rules.MAX_QUESTION],
        options=options,
        owner=actor,
        asked_by=actor,
        asked_at=unit.now,
        due_at=unit.now,
        status=DecisionStatus.DECIDED.value,
        outcome=outcome,
        decided_by=actor,
        decided_at=unit.now,
        rationale=why,
    )
    unit.session.add(decision)
    unit.session.flush()
    message = unit.post_in_incident(incident.id, asked_message(decision))
    decision.message_outbox_id = message.id
    unit.log(
        incident.id,
        actor,
        "decision",
        f"{ref(decision)} decided: {outcome} ({question}). Why: {why}",
        people=[actor],
    )
    return decision


def check_may_ask(ctx: ServiceContext, channel_id: str, ask: Ask) -> None:
    """Before the ask form closes: refuse, on its owner field, an owner the asker may not name."""
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        commander = current_holders(session, incident.id or 0).get(COMMANDER)
    try:
        _ensure_may_name_owner(ctx, ask, commander)
    except NotAllowed as refused:
        raise FormProblem("owner", refused.message) from None


def make_decision(
    ctx: ServiceContext, decision_id: int, option: str, actor: str, rationale: str
) -> Decision:
    """Record the outcome once: a second press, or two people at once, find it made."""
    why = " ".join(rationale.split())
    if not why:
        raise InvalidInput("Give a one-line reason, for the log and the post-mortem.")
    if len(why) > MAX_RATIONALE:
        raise InvalidInput(f"Keep the reason to one line (under {MAX_RATIONALE} characters).")
    with ctx.unit() as unit:
        decision, incident = _locked(unit.session, decision_id)
        _ensure_pending(decision)
        _ensure_may_decide(ctx, unit.session, decision, actor)
        chosen = rules.match_option(decision.options, option)
        decision.status, decision.outcome, decision.rationale = (
            DecisionStatus.DECIDED.value,
            chosen,
            why,
        )
        decision.decided_by, decision.decided_at = actor, unit.now
        _settled(unit, incident, decision, f"{ref(decision)} decided: {chosen}. Why: {why}")
        unit.post_in_incident(
            decision.incident_id,
            said.DecisionMade(ref(decision), decision.question, chosen, actor, why),
        )
        return decision


def decide_by_ref(
    ctx: ServiceContext, channel_id: str, ref_text: str, choice: str, actor: str
) -> Decision:
    """`/incident decide D-3 approve fallback precision is known`: option, then the reason."""
    decision = find(ctx, channel_id, ref_text)
    option, rationale = rules.split_choice(decision.options, choice)
    return make_decision(ctx, decision.id or 0, option, actor, rationale)


def settle_by_ref(
    ctx: ServiceContext, channel_id: str, ref_text: str, actor: str, carry: bool, reason: str
) -> Decision:
    decision = find(ctx, channel_id, ref_text)
    return close_or_carry(ctx, decision.id or 0, actor, carry, reason)


def check_may_decide(ctx: ServiceContext, decision_id: int, actor: str) -> Decision:
    """Before the rationale form opens: refuse at once who may not decide, or a settled one."""
    with ctx.db.read() as session:
        decision = session.get(Decision, decision_id)
        if decision is None:
            raise NotFound("That decision no longer exists.")
        _ensure_pending(decision)
        _ensure_may_decide(ctx, session, decision, actor)
        return decision


def close_or_carry(
    ctx: ServiceContext, decision_id: int, actor: str, carry: bool, reason: str = ""
) -> Decision:
    """Before resolving: a decision no longer needed is closed; one for later is carried over
    (it stays on the record as a follow-up, without reminders)."""
    with ctx.unit() as unit:
        decision, incident = _locked(unit.session, decision_id)
        _ensure_pending(decision)
        holders = current_holders(unit.session, decision.incident_id)
        verb = "carry over" if carry else "close"
        ensure_may_manage(actor, holders.get(COMMANDER), ctx.admins, f"{verb} {ref(decision)}")
        decision.status = (DecisionStatus.CARRIED if carry else DecisionStatus.CLOSED).value
        decision.decided_by, decision.decided_at, decision.rationale = actor, unit.now, reason
        what = "carried over to follow-up" if carry else "closed without a decision"
        _settled(
            unit, incident, decision, f"{ref(decision)} {what}" + (f": {reason}" if reason else "")
        )
        return decision


def find(ctx: ServiceContext, channel_id: str, ref_text: str) -> Decision:
    number = rules.parse_ref(ref_text)
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        decision = session.exec(
            select(Decision).where(Decision.incident_id == incident.id, Decision.number == number)
        ).first()
        if decision is None:
            pending = ", ".join(ref(d) for d in pending_for(session, incident.id or 0)) or "none"
            raise NotFound(f"{incident.ref} has no D-{number}. Pending decisions: {pending}.")
        return decision


def listed(ctx: ServiceContext, channel_id: str) -> tuple[str, list[Decision]]:
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        rows = session.exec(
            select(Decision)
            .where(Decision.incident_id == incident.id)
            .order_by(col(Decision.number))
        )
        return incident.ref, list(rows)


def pending_for(session: Session, incident_id: int) -> list[Decision]:
    return list(
        session.exec(
            select(Decision)
            .where(
                Decision.incident_id == incident_id, Decision.status == DecisionStatus.PENDING.value
            )
            .order_by(col(Decision.number))
        )
    )


def refuse_resolving_with_pending(session: Session, incident: Incident) -> None:
    pending = pending_for(session, incident.id or 0)
    if pending:
        names = ", ".join(f"{ref(d)} ({escape(d.question)})" for d in pending)
        raise PendingDecisions(
            f"{incident.ref} still has pending decisions: {names}. Decide them, or close or "
            "carry each over first (`/incident decision close D-1`, "
            "`/incident decision carry D-1`), then resolve.",
            [Unsettled(d.id or 0, d.number, d.question) for d in pending],
        )


def ref(decision: Decision) -> str:
    return rules.decision_ref(decision.number)


def asked_message(decision: Decision) -> said.DecisionAsked:
    """Everything the decision's message shows, so it can be drawn again after a change."""
    assert decision.id is not None
    return said.DecisionAsked(
        decision_id=decision.id,
        ref=ref(decision),
        question=decision.question,
        options=list(decision.options),
        owner=decision.owner,
        due_at=decision.due_at.isoformat(),
        status=decision.status,
        outcome=decision.outcome,
        decided_by=decision.decided_by,
        rationale=decision.rationale,
    )


# --- internals -----------------------------------------------------------------------------


def _next_number(session: Session, incident_id: int) -> int:
    highest = session.exec(
        select(func.max(Decision.number)).where(Decision.incident_id == incident_id)
    ).one()
    return int(highest or 0) + 1


def _plan(decision: Decision, commander: str | None) -> None:
    escalate = decision.owner != commander and commander is not None
    plan = rules.ReminderPlan(
        decision.due_at,
        rules.escalation_time(decision.asked_at, decision.due_at) if escalate else None,
    )
    decision.next_remind_at, decision.escalate_at = plan.next_remind_at, plan.escalate_at
    decision.wake_at = plan.wake_at


def _locked(session: Session, decision_id: int) -> tuple[Decision, Incident]:
    decision = session.exec(
        select(Decision).where(Decision.id == decision_id).with_for_update()
    ).first()
    if decision is None:
        raise NotFound("That decision no longer exists.")
    incident = session.get(Incident, decision.incident_id)
    assert incident is not None
    return decision, incident


def _ensure_may_name_owner(ctx: ServiceContext, ask: Ask, commander: str | None) -> None:
    """Decisions belong to the commander; only they (or an admin) hand one to someone else,
    so nobody asks a question and answers it themselves."""
    if ask.owner is None or ask.owner == commander:
        return
    if may_manage(ask.asked_by, commander, ctx.admins):
        return
    who = f"the commander ({mention(commander)})" if commander else "the commander"
    raise NotAllowed(
        f"Sorry, only {who} or a Warroom admin can give a decision to someone else. "
        "Leave out `--owner` and it goes to the commander."
    )


def _ensure_pending(decision: Decision) -> None:
    if decision.status == DecisionStatus.PENDING:
        return
    who = mention(decision.decided_by) if decision.decided_by else "someone"
    outcome = f": *{escape(decision.outcome)}*" if decision.outcome else f" ({decision.status})"
    raise AlreadyDecided(f"{ref(decision)} was already settled by {who}{outcome}.")


def _ensure_may_decide(
    ctx: ServiceContext, session: Session, decision: Decision, actor: str
) -> None:
    commander = current_holders(session, decision.incident_id).get(COMMANDER)
    if actor == decision.owner or may_manage(actor, commander, ctx.admins):
        return
    who = f"its owner ({mention(decision.owner)})"
    if commander and commander != decision.owner:
        who += f", the commander ({mention(commander)})"
    raise NotAllowed(f"Sorry, only {who} or a Warroom admin can decide {ref(decision)}.")


def _settled(unit: Unit, incident: Incident, decision: Decision, log_text: str) -> None:
    """No more reminders; the buttons give way to the outcome; the log and topic catch up."""
    assert incident.id is not None
    decision.next_remind_at = decision.escalate_at = decision.wake_at = None
    unit.session.add(decision)
    if decision.message_outbox_id is not None:
        unit.say(
            Op.UPDATE,
            incident_id=incident.id,
            depends_on=decision.message_outbox_id,
            payload=asked_message(decision).encode(),
            sequence_key=f"decision:{decision.id}",
        )
    unit.log(incident.id, decision.decided_by or "warroom", "decision", log_text)
    rollback_moves.settled(unit, decision)  # a rollback waiting on this decision moves, or not
    unit.refresh(incident.id)


# --- reminders, from the scheduler ---------------------------------------------------------


def next_wake(ctx: ServiceContext) -> datetime | None:
    return wakes.next_wake(ctx, Decision.wake_at)


def run_due(ctx: ServiceContext, limit: int = 50) -> int:
    """Remind owners of decisions that fell due; escalate those overdue by a full interval."""
    due = wakes.due(ctx, Decision.id, Decision.wake_at, limit)
    done = 0
    for decision_id in due:
        try:
            done += _remind_one(ctx, decision_id or 0)
        except Exception as exc:  # this decision's reminder waits; the others go on
            _reminder_failed(ctx, decision_id or 0, exc)
    return done


def _reminder_failed(ctx: ServiceContext, decision_id: int, error: Exception) -> None:
    with ctx.unit() as unit:
        decision = unit.session.exec(
            select(Decision).where(Decision.id == decision_id).with_for_update(skip_locked=True)
        ).first()
        if decision is None:
            return
        decision.wake_at = unit.now + faults.RETRY_AFTER
        unit.session.add(decision)
        if faults.note(unit, f"decision:{decision_id}", error, decision.incident_id):
            commander = current_holders(unit.session, decision.incident_id).get(COMMANDER)
            what = f"remind {mention(decision.owner)} of {ref(decision)}"
            faults.tell(unit, decision.incident_id, {commander}, what, error)


def _remind_one(ctx: ServiceContext, decision_id: int) -> bool:
    with ctx.unit() as unit:
        decision = unit.session.exec(
            select(Decision).where(Decision.id == decision_id).with_for_update(skip_locked=True)
        ).first()
        if decision is None or decision.status != DecisionStatus.PENDING:
            return False  # another replica has it, or it was just made: never remind after
        if decision.wake_at is None or decision.wake_at > unit.now:
            return False
        incident = unit.session.get(Incident, decision.incident_id)
        assert incident is not None
        _Reminder(ctx, unit, incident, decision).run()
        faults.clear(unit, f"decision:{decision_id}")
        return True


class _Reminder:
    def __init__(self, ctx: ServiceContext, unit: Unit, incident: Incident, decision: Decision):
        self.ctx, self.unit, self.incident, self.decision = ctx, unit, incident, decision
        self.composer = Composer(ctx, unit.session, incident)

    def run(self) -> None:
        now, decision = self.unit.now, self.decision
        if decision.next_remind_at and decision.next_remind_at <= now:
            self._remind()
            every = self.ctx.severities.describe(self.incident.severity).remind_every
            decision.next_remind_at = now + every  # after downtime: one reminder, not a burst
            decision.reminders_sent += 1
        if decision.escalate_at and decision.escalate_at <= now:
            self._escalate()
            decision.escalate_at = None
        decision.wake_at = rules.ReminderPlan(decision.next_remind_at, decision.escalate_at).wake_at
        self.unit.session.add(decision)

    def _context(self) -> dict[str, Any]:
        overdue = self.unit.now - self.decision.due_at
        return {
            "decision": decision_view(self.decision),
            "overdue_for": humanize(overdue) if overdue.total_seconds() > 0 else "",
        }

    def _remind(self) -> None:
        assert self.incident.id is not None
        context = self._context()
        private = self.composer.render("reminders/decision_due", self.unit.now, **context)
        self.unit.post_text(self.incident.id, private, channel=self.decision.owner)
        nudge = self.composer.render("reminders/decision_nudge", self.unit.now, **context)
        self.unit.post_text(self.incident.id, nudge)

    def _escalate(self) -> None:
        assert self.incident.id is not None
        commander = self.composer.picture.commander
        if commander is None or commander == self.decision.owner:
            return
        text = self.composer.render(
            "reminders/decision_escalated", self.unit.now, **self._context()
        )
        self.unit.post_text(self.incident.id, text, channel=commander)
        self.unit.log(
            self.incident.id,
            "warroom",
            "decision",
            f"{ref(self.decision)} overdue: escalated to the commander",
        )
