"""An incident's post-mortem, gathered from what Warroom recorded while it ran: the timeline,
decisions, hypotheses, evidence, updates, roles, playbook, alerts and the catalog."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from app.domain.action_items import action_ref
from app.domain.decisions import decision_ref
from app.domain.durations import humanize
from app.domain.errors import NotFound
from app.domain.postmortem import (
    ActionItemFact,
    AlertFact,
    AudienceUpdates,
    ClockFact,
    DecisionFact,
    Detection,
    EvidenceFact,
    FollowUp,
    GateOverrideFact,
    HypothesisFact,
    Number,
    PlaybookFact,
    Postmortem,
    RoleSpell,
    SeverityChange,
    StepFact,
    Summary,
    TimelineLine,
    on_time,
    time_to_decide,
)
from app.domain.regulatory_clocks import UNFLAGGED, met
from app.domain.roles import COMMANDER
from app.persistence.tables import (
    AffectedSystem,
    AlertLink,
    Decision,
    Evidence,
    Hypothesis,
    Incident,
    PostmortemRecord,
    TimelineEntry,
)
from app.rendering.postmortem import to_json, to_markdown
from app.services import action_items, playbook_state, regulatory_clocks
from app.services.context import ServiceContext
from app.services.lookup import current_holders, milestones, role_history
from app.services.metrics import IncidentNumbers, incident_numbers

_REF = re.compile(r"^(?:inc-?)?(\d{1,9})$", re.IGNORECASE)
_SEVERITY_LOG = re.compile(r"^Severity (\S+) → (\S+)(?:: (.*))?$", re.DOTALL)
FORMATS = ("md", "json")


def incident_number(text: str) -> int:
    """`INC-42`, `inc42` or `42` → 42."""
    match = _REF.match(text.strip())
    if not match:
        raise NotFound(f"{text!r} is not an incident reference; write it like INC-42.")
    return int(match.group(1))


def document(ctx: ServiceContext, ref: str, fmt: str = "md") -> str:
    """The post-mortem of incident `ref`, rendered (for `warroom postmortem`)."""
    number = incident_number(ref)
    with ctx.db.read() as session:
        incident = session.get(Incident, number)
        if incident is None:
            raise NotFound(f"There is no INC-{number}.")
        doc = gather(ctx, session, incident, ctx.clock.now())
    return render(doc, fmt)


def render(doc: Postmortem, fmt: str) -> str:
    return to_json(doc) if fmt == "json" else to_markdown(doc)


def gather(ctx: ServiceContext, session: Session, incident: Incident, now: datetime) -> Postmortem:
    assert incident.id is not None
    reached = milestones(session, incident.id)
    resolved_at = reached.get("resolved") if incident.status == "resolved" else None
    entries = _timeline(session, incident.id)
    history = _severity_history(incident, entries)
    decisions = _decisions(session, incident.id)
    numbers = incident_numbers(ctx, incident.id, session)
    follow = follow_up(session, incident.id)
    clocks = _clocks(session, incident.id, now)
    return Postmortem(
        generated_at=now,
        summary=_summary(ctx, session, incident, history, resolved_at),
        detection=_detection(session, incident),
        timeline=tuple(TimelineLine(e.at, e.actor, e.kind, e.text) for e in entries),
        decisions=decisions,
        hypotheses=_hypotheses(session, incident.id),
        evidence=_evidence(session, incident.id),
        updates=_updates(numbers),
        roles=tuple(
            RoleSpell(r.role, r.user_id, r.started_at, r.ended_at, r.assigned_by)
            for r in role_history(session, incident.id)
        ),
        playbook=_playbook(session, incident.id),
        numbers=_numbers(numbers, follow, now, clocks),
        action_items=_action_items(session, incident.id),
        follow_up=follow,
        clocks=clocks,
    )


def _timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    return list(
        session.exec(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
        )
    )


def _severity_history(incident: Incident, entries: list[TimelineEntry]) -> list[SeverityChange]:
    """Read back from the log: each change's before and after, the first before being the
    declared severity."""
    changes = []
    for entry in entries:
        match = _SEVERITY_LOG.match(entry.text) if entry.kind == "severity" else None
        if match:
            before, after, reason = match.groups()
            changes.append((entry, before.lower(), after.lower(), reason or ""))
    declared = changes[0][1] if changes else incident.severity
    history = [SeverityChange(incident.declared_at, declared, incident.declared_by)]
    history += [SeverityChange(e.at, after, e.actor, why) for e, _, after, why in changes]
    return history


def _summary(
    ctx: ServiceContext,
    session: Session,
    incident: Incident,
    history: list[SeverityChange],
    resolved_at: datetime | None,
) -> Summary:
    assert incident.id is not None
    named = list(
        session.exec(
            select(AffectedSystem.system)
            .where(AffectedSystem.incident_id == incident.id)
            .order_by(col(AffectedSystem.added_at), col(AffectedSystem.system))
        )
    )
    downstream: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    known = [name for name in named if name in ctx.catalog.systems]
    if known:  # a system since removed from the catalog is still named, without its reach
        radius = ctx.catalog.blast_radius(known)
        downstream = tuple(s.key for s in radius.downstream)
        functions = tuple(f.name for f in radius.functions)
    return Summary(
        ref=incident.ref,
        title=incident.title,
        severity=incident.severity,
        severity_history=tuple(history),
        status=incident.status,
        declared_at=incident.declared_at,
        resolved_at=resolved_at,
        duration=resolved_at - incident.declared_at if resolved_at else None,
        systems=tuple(named),
        downstream=downstream,
        business_functions=functions,
        resolution=incident.summary,
        drill=incident.drill,
    )


def _detection(session: Session, incident: Incident) -> Detection:
    links = session.exec(
        select(AlertLink)
        .where(AlertLink.incident_id == incident.id)
        .order_by(col(AlertLink.first_seen_at), col(AlertLink.key))
    )
    alerts = tuple(
        AlertFact(
            a.title, a.source, a.system, a.started_at, a.first_seen_at, a.fired, a.status, a.how
        )
        for a in links
    )
    by_alert = incident.detected_by.startswith("alert:")
    found_by = incident.detected_by
    if by_alert:
        found_by = found_by.removeprefix("alert:")
    elif found_by == "person":  # recorded before detection was: the declarer found it
        found_by = incident.declared_by
    return Detection(
        by_alert=by_alert,
        detected_by=found_by,
        started_at=incident.started_at,
        detected_at=incident.detected_at or incident.declared_at,
        declared_at=incident.declared_at,
        alerts=alerts,
    )


def _decisions(session: Session, incident_id: int) -> tuple[DecisionFact, ...]:
    overrides = {o.decision_id: o for o in playbook_state.overrides(session, incident_id)}
    rows = session.exec(
        select(Decision).where(Decision.incident_id == incident_id).order_by(col(Decision.number))
    )
    facts = []
    for d in rows:
        gate = overrides.get(d.id or 0)
        facts.append(
            DecisionFact(
                ref=decision_ref(d.number),
                question=d.question,
                options=tuple(d.options),
                status=d.status,
                owner=d.owner,
                asked_by=d.asked_by,
                asked_at=d.asked_at,
                outcome=d.outcome,
                decided_by=d.decided_by,
                decided_at=d.decided_at,
                rationale=d.rationale,
                time_to_decide=time_to_decide(d.asked_at, d.decided_at, d.status),
                gate_override=GateOverrideFact(
                    gate.status, tuple(gate.open_steps), gate.by, gate.at, gate.reason
                )
                if gate
                else None,
            )
        )
    return tuple(facts)


def _hypotheses(session: Session, incident_id: int) -> tuple[HypothesisFact, ...]:
    rows = session.exec(
        select(Hypothesis)
        .where(Hypothesis.incident_id == incident_id)
        .order_by(col(Hypothesis.number))
    )
    return tuple(
        HypothesisFact(
            f"H-{h.number}",
            h.text,
            h.status,
            h.outcome,
            h.raised_by,
            h.raised_at,
            h.updated_by,
            h.updated_at,
        )
        for h in rows
    )


def _evidence(session: Session, incident_id: int) -> tuple[EvidenceFact, ...]:
    rows = session.exec(
        select(Evidence).where(Evidence.incident_id == incident_id).order_by(col(Evidence.number))
    )
    return tuple(
        EvidenceFact(f"E-{e.number}", e.kind, e.reference, e.note, e.by, e.at) for e in rows
    )


def _updates(numbers: IncidentNumbers) -> tuple[AudienceUpdates, ...]:
    """Per audience owed or sent updates, as the metrics count them."""
    return tuple(
        AudienceUpdates(key, a.updates, a.on_schedule, a.scheduled, a.longest_silence)
        for key, a in numbers.audiences.items()
        if a.updates or a.longest_silence is not None
    )


def _playbook(session: Session, incident_id: int) -> PlaybookFact | None:
    found = playbook_state.followed(session, incident_id)
    if found is None:
        return None
    row, book = found
    done_states = playbook_state.done_steps(session, incident_id)
    done: list[StepFact] = []
    skipped: list[StepFact] = []
    for phase in book.phases:
        for step in phase.steps:
            state = done_states.get(step.id)
            fact = StepFact(
                step.id,
                phase.name,
                step.text,
                step.required,
                state.by if state else None,
                state.at if state else None,
            )
            (done if state else skipped).append(fact)
    return PlaybookFact(
        row.name,
        book.title,
        row.sha256[:12],
        row.attached_by,
        row.attached_at,
        tuple(done),
        tuple(skipped),
    )


def _clocks(session: Session, incident_id: int, now: datetime) -> tuple[ClockFact, ...]:
    return tuple(
        ClockFact(
            clock=c.clock,
            label=c.label,
            aware_since=c.started_at,
            due_at=c.due_at,
            flagged_by=c.flagged_by,
            flagged_at=c.flagged_at,
            status=c.status,
            met=None if c.status == UNFLAGGED else met(c.due_at, c.notified_at, now),
            notified_by=c.notified_by,
            notified_at=c.notified_at,
            reference=c.reference,
            unflagged_by=c.unflagged_by,
            unflag_reason=c.unflag_reason,
        )
        for c in regulatory_clocks.clocks_of(session, incident_id)
    )


def _numbers(
    numbers: IncidentNumbers, follow: FollowUp, now: datetime, clocks: tuple[ClockFact, ...]
) -> tuple[Number, ...]:
    """This incident's numbers (app.services.metrics), in words."""
    spans = [
        ("time to detect", numbers.time_to_detect),
        ("time to declare", numbers.time_to_declare),
        ("time to contain", numbers.time_to_contain),
        ("time to resolve", numbers.time_to_resolve),
    ]
    shown = [Number(name, humanize(span) if span is not None else "—") for name, span in spans]
    shown += [
        Number(f"time to decide {decision_ref(n)}", humanize(span))
        for n, span in sorted(numbers.time_to_decide.items())
    ]
    for key, audience in numbers.audiences.items():
        if audience.scheduled:
            share = f"{audience.on_schedule or 0} of {audience.scheduled}"
            shown.append(Number(f"{key} updates on schedule", share))
    done = on_time(follow.due_at, follow.done_at, now)
    shown.append(Number("post-mortem on time", {True: "yes", False: "no", None: "—"}[done]))
    known = [c.met for c in clocks if c.met is not None]
    if known:
        shown.append(Number("regulatory deadlines met", f"{sum(known)} of {len(known)}"))
    if numbers.action_items_open is not None:
        shown.append(Number("action items open", str(numbers.action_items_open)))
    if numbers.reopened:
        shown.append(Number("reopened", "yes"))
    return tuple(shown)


def _action_items(session: Session, incident_id: int) -> tuple[ActionItemFact, ...]:
    return tuple(
        ActionItemFact(
            action_ref(item.number), item.text, item.owner, item.status, item.due_at, item.kind
        )
        for item in action_items.items_of(session, incident_id)
    )


def follow_up(session: Session, incident_id: int) -> FollowUp:
    record = session.get(PostmortemRecord, incident_id)
    owner = record.owner if record and record.owner else None
    if owner is None:
        owner = current_holders(session, incident_id).get(COMMANDER)
    if record is None:
        return FollowUp(owner, None)
    return FollowUp(owner, record.due_at, record.exempt, record.done_at, record.link)
