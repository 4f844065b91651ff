"""A playbook in an incident: attached, its current phase's checklist posted, steps ticked.

The incident keeps the playbook as it was when attached (content and hash), so an edit of the
file does not change a running incident. Each phase's checklist is one message, edited in
place as steps are ticked (the newest state supersedes an edit still waiting); when the work
moves to the next phase (its required steps done, or the status moved on), that phase's
checklist is posted.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from app.domain.errors import InvalidInput, NotFound
from app.domain.permissions import ensure_may_manage
from app.domain.playbooks import Playbook, Step, current_phase
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import escape
from app.persistence.tables import Evidence, Incident, IncidentPlaybook, StepState
from app.services import decisions
from app.services import outbox_messages as said
from app.services.context import Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel
from app.services.playbook_state import done_steps, followed, to_content

MAX_NOTE = 300


# --- attaching ----------------------------------------------------------------------------


def playbook_named(ctx: ServiceContext, name: str) -> Playbook:
    found = ctx.playbooks.get(name.strip().lower())
    if found is None:
        names = ", ".join(f"`{n}`" for n in sorted(ctx.playbooks)) or "none are installed"
        raise NotFound(f"There is no playbook `{escape(name)}`. Playbooks: {names}.")
    return found


def attach(ctx: ServiceContext, channel_id: str, name: str, actor: str) -> Playbook:
    """`/incident playbook <name>`: follow it (replacing another takes the commander)."""
    playbook = playbook_named(ctx, name)
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        existing = unit.session.get(IncidentPlaybook, incident.id)
        if existing is not None:
            if existing.name == playbook.name:
                raise InvalidInput(f"{incident.ref} already follows `{escape(playbook.name)}`.")
            commander = current_holders(unit.session, incident.id).get(COMMANDER)
            ensure_may_manage(actor, commander, ctx.admins, "change the playbook")
            unit.session.delete(existing)
            unit.session.flush()
        record(ctx, unit, incident, playbook, actor)
        return playbook


def record(
    ctx: ServiceContext, unit: Unit, incident: Incident, playbook: Playbook, actor: str
) -> None:
    """Attach inside a use case's transaction (the declaration calls it too)."""
    assert incident.id is not None
    unit.session.add(
        IncidentPlaybook(
            incident_id=incident.id,
            name=playbook.name,
            sha256=playbook.sha256,
            content=to_content(playbook),
            attached_by=actor,
            attached_at=unit.now,
        )
    )
    unit.session.flush()
    unit.log(
        incident.id,
        actor,
        "playbook",
        f"Following the playbook {playbook.name} ({playbook.title}), "
        f"version {playbook.sha256[:12]}",
    )
    post_checklist(ctx, unit, incident)


def from_catalog(ctx: ServiceContext, systems: list[str]) -> Playbook | None:
    """The playbook of the first affected system that names one (and exists)."""
    for key in systems:
        system = ctx.catalog.systems.get(key)
        if system is not None and system.playbook in ctx.playbooks:
            return ctx.playbooks[system.playbook]
    return None


# --- the checklist ----------------------------------------------------------------------------


def post_checklist(
    ctx: ServiceContext, unit: Unit, incident: Incident, *, again: bool = False
) -> str:
    """Post the current phase's checklist (or, `again`, re-post it); returns the phase."""
    assert incident.id is not None
    found = followed(unit.session, incident.id)
    if found is None:
        raise InvalidInput(
            f"{incident.ref} follows no playbook: `/incident playbook <name>` attaches one "
            f"(`{', '.join(sorted(ctx.playbooks)) or 'none installed'}`)."
        )
    row, playbook = found
    done = done_steps(unit.session, incident.id)
    phase = current_phase(playbook, Status(incident.status), set(done))
    if phase in row.checklists and not again:
        return phase
    message = unit.post_in_incident(incident.id, checklist(ctx, unit, incident, playbook, phase))
    row.checklists = {**row.checklists, phase: message.id}
    unit.session.add(row)
    return phase


def refresh_checklists(
    ctx: ServiceContext, unit: Unit, incident: Incident, changed: set[str] | None = None
) -> None:
    """After a tick, evidence or a status change: the checklists of the `changed` phases
    edited in place (the newest state supersedes an edit still waiting), and the next
    phase's posted when the work moved on."""
    assert incident.id is not None
    found = followed(unit.session, incident.id)
    if found is None:
        return
    row, playbook = found
    for phase, outbox_id in row.checklists.items():
        if phase not in (changed or set()):
            continue
        key = f"checklist:{incident.id}:{phase}"
        unit.drop_stale(key)
        unit.say(
            Op.UPDATE,
            incident_id=incident.id,
            depends_on=int(outbox_id),
            payload=checklist(ctx, unit, incident, playbook, phase).encode(),
            sequence_key=key,
            supersede_key=key,
        )
    post_checklist(ctx, unit, incident)


def checklist(
    ctx: ServiceContext, unit: Unit, incident: Incident, playbook: Playbook, phase: str
) -> said.ChecklistShown:
    assert incident.id is not None
    holders = current_holders(unit.session, incident.id)
    done = done_steps(unit.session, incident.id)
    evidence_kinds = {
        kind
        for kind in unit.session.exec(
            select(Evidence.kind).where(Evidence.incident_id == incident.id)
        )
    }
    lines = [
        said.StepLine(
            id=step.id,
            text=step.text,
            required=step.required,
            holder=holders.get(step.role or "") if step.role else None,
            role=step.role,
            done_by=done[step.id].by if step.id in done else None,
            done_at=_iso(done[step.id].at) if step.id in done else None,
            waiting_for=step.evidence
            if step.evidence and step.evidence not in evidence_kinds
            else None,
        )
        for step in playbook.phase(phase).steps
    ]
    return said.ChecklistShown(playbook.name, playbook.title, phase, lines)


def _waiting(step: Step, recorded: set[str]) -> str | None:
    return step.evidence if step.evidence and step.evidence not in recorded else None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- ticking ----------------------------------------------------------------------------------


def set_steps(
    ctx: ServiceContext,
    channel_id: str,
    wanted: dict[str, bool],
    actor: str,
    note: str = "",
) -> list[str]:
    """Mark steps done (True) or not done (False); only real changes are recorded (two people
    ticking the same step at once make one timeline entry). Returns the changes, as words."""
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.")
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        found = followed(unit.session, incident.id)
        if found is None:
            raise InvalidInput(f"{incident.ref} follows no playbook, so it has no steps.")
        _, playbook = found
        changes = [
            change
            for step_id, done in wanted.items()
            if (change := mark_step(unit, incident, playbook, step_id, done, actor, note))
        ]
        if changes:
            phases = {playbook.phase_of(step_id) or "" for step_id in wanted}
            refresh_checklists(ctx, unit, incident, phases)
        return changes


def mark_step(
    unit: Unit,
    incident: Incident,
    playbook: Playbook,
    step_id: str,
    done: bool,
    actor: str,
    note: str,
) -> str | None:
    assert incident.id is not None
    step = playbook.step(step_id)
    if step is None:
        ids = ", ".join(f"`{s.id}`" for s in playbook.steps)
        raise NotFound(f"`{escape(step_id)}` is not a step of {playbook.name}. Steps: {ids}.")
    state = unit.session.get(StepState, (incident.id, step_id))
    if (state.done if state is not None else False) == done:
        return None  # already so: nothing to record
    state = state or StepState(incident_id=incident.id, step_id=step_id, by=actor)
    state.done, state.by, state.at, state.note = done, actor, unit.now, note
    unit.session.add(state)
    unit.session.flush()
    words = f"Step {step_id} {'done' if done else 'undone'}: {step.text}"
    unit.log(incident.id, actor, "step", words + (f" ({note})" if note else ""))
    return words


def repost_checklist(ctx: ServiceContext, channel_id: str) -> str:
    """`/incident checklist`: the current phase's checklist, posted again."""
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        return post_checklist(ctx, unit, incident, again=True)


# --- what an incident follows, and the remediation menu -------------------------------------


def followed_in(ctx: ServiceContext, channel_id: str) -> tuple[str, Playbook | None, str | None]:
    """The incident's reference, its playbook (None: none), and the phase being worked."""
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        assert incident.id is not None
        found = followed(session, incident.id)
        if found is None:
            return incident.ref, None, None
        done = set(done_steps(session, incident.id))
        return incident.ref, found[1], current_phase(found[1], Status(incident.status), done)


def propose_remediation(
    ctx: ServiceContext, channel_id: str, option_ids: list[str], actor: str
) -> int:
    """The fixes ticked on the menu, asked of the commander as a decision; its number."""
    if not option_ids:
        raise InvalidInput("Tick at least one fix on the menu, then press Propose.")
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        found = followed(unit.session, incident.id)
        if found is None:
            raise InvalidInput(f"{incident.ref} follows no playbook, so it has no menu of fixes.")
        menu = {o.id: o for o in found[1].phase("remediation").options}
        chosen = [menu[i] for i in option_ids if i in menu]
        if not chosen:
            raise InvalidInput("Those fixes are not on this incident's playbook any more.")
        question = (
            "Remediate with: "
            + "; ".join(
                f"{o.text} (effort {o.effort or '?'}, risk {o.risk or '?'})" for o in chosen
            )
            + "?"
        )
        decision = decisions.record_decision(
            ctx, unit, incident, decisions.Ask(question[:300], actor)
        )
        return decision.number
