"""The gates between a playbook's phases: required steps done before the status moves on.

Nobody declares "contained" while the drifting model still scores live traffic: a status
change that would leave a phase with required steps open is refused, naming them. The
commander (or an admin) may pass the gate anyway, with a reason: that is a decision made by
the commander (D-n, with the open steps in it), shown in every update until the incident
closes. Nobody else may override.
"""

from __future__ import annotations

from app.domain.errors import InvalidInput
from app.domain.permissions import ensure_may_manage
from app.domain.playbooks import gate
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import escape
from app.persistence.tables import GateOverride, Incident
from app.services import decisions, playbook_state
from app.services.context import ServiceContext, Unit
from app.services.lookup import current_holders


def check(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    status: Status,
    actor: str,
    override: str | None,
) -> None:
    """Raise InvalidInput listing the open required steps, unless there are none or the
    commander overrides the gate (recorded)."""
    assert incident.id is not None
    found = playbook_state.followed(unit.session, incident.id)
    if found is None:
        return
    _, playbook = found
    result = gate(playbook, status, set(playbook_state.done_steps(unit.session, incident.id)))
    if result.passes:
        return
    listed = "; ".join(f"`{s.id}` ({escape(s.text)})" for s in result.open_steps)
    if override is None:
        raise InvalidInput(
            f"{incident.ref} can't move to `{status.value}` yet: required steps of the "
            f"{escape(playbook.title)} playbook are open: {listed}. Tick them "
            f"(`/incident step <id> done`), or, as the commander, pass the gate with "
            f"`/incident status {status.value} --override <reason>`."
        )
    commander = current_holders(unit.session, incident.id).get(COMMANDER)
    ensure_may_manage(actor, commander, ctx.admins, "override a playbook's gate")
    reason = " ".join(override.split())
    if not reason:
        raise InvalidInput(
            f"Say why the gate may be passed: `/incident status {status.value} --override "
            "fallback is serving, the pipeline freeze is in progress`."
        )
    ids = ", ".join(s.id for s in result.open_steps)
    decision = decisions.record_made(
        unit,
        incident,
        f"Move to {status.value} with required steps open ({ids})?",
        ["Override", "Hold"],
        "Override",
        actor,
        reason,
    )
    unit.session.add(
        GateOverride(
            incident_id=incident.id,
            decision_id=decision.id or 0,
            status=status.value,
            open_steps=[s.id for s in result.open_steps],
            by=actor,
            at=unit.now,
            reason=reason,
        )
    )
