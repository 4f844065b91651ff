"""Playbooks: a failure mode's script, phase by phase, with gates between the phases.

A playbook names the signals, the evidence to collect, the containment actions, a menu of
fixes with their risk and rollback plan, and the acceptance criteria for calling it fixed.
Phases map to statuses; a phase's required steps must be done before the incident may move
past it (the gate), unless the commander overrides it, which is recorded as a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.status import Status

PHASES = ("detection", "containment", "remediation", "verification")
EVIDENCE_KINDS = (
    "model-version",
    "dataset",
    "commit",
    "dashboard",
    "ticket",
    "log",
    "metric",
    "other",
)
# The phases whose required steps must be done before an incident may reach a status.
GATES: dict[Status, tuple[str, ...]] = {
    Status.CONTAINED: ("detection", "containment"),
    Status.REMEDIATING: ("detection", "containment"),
    Status.VERIFYING: ("detection", "containment", "remediation"),
    Status.RESOLVED: PHASES,
}
# The phases worked through while an incident has each status.
PHASES_OF_STATUS = {
    Status.INVESTIGATING: ("detection", "containment"),
    Status.CONTAINED: ("remediation",),
    Status.REMEDIATING: ("remediation",),
    Status.VERIFYING: ("verification",),
    Status.RESOLVED: ("verification",),
}
# Each phase in plain words, for business and executive readers.
PLAIN_PHASE = {
    "detection": "Detection: confirming what is wrong and since when",
    "containment": "Containment: stopping the harm",
    "remediation": "Remediation: fixing the cause",
    "verification": "Verification: checking the fix holds",
}


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    role: str | None = None  # who does it (a role key), shown with its holder
    required: bool = False  # must be done to pass the phase's gate
    evidence: str | None = None  # an evidence kind that ticks it when recorded


@dataclass(frozen=True)
class Option:
    """One fix on the remediation menu."""

    id: str
    text: str
    effort: str = ""
    risk: str = ""
    rollback: str = ""
    success: str = ""


@dataclass(frozen=True)
class Phase:
    name: str
    steps: tuple[Step, ...] = ()
    options: tuple[Option, ...] = ()  # remediation only


@dataclass(frozen=True)
class Playbook:
    name: str  # the file name without .yaml
    title: str
    summary: str = ""
    signals: tuple[str, ...] = ()
    severity_guidance: str = ""
    phases: tuple[Phase, ...] = ()
    comms: str = ""
    escalate_when: tuple[str, ...] = ()
    sha256: str = ""  # of the file's bytes: which version an incident follows

    def phase(self, name: str) -> Phase:
        return next((p for p in self.phases if p.name == name), Phase(name))

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for phase in self.phases for step in phase.steps)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def phase_of(self, step_id: str) -> str | None:
        return next((p.name for p in self.phases for s in p.steps if s.id == step_id), None)


@dataclass(frozen=True)
class GateCheck:
    """What stands between an incident and a status: required steps still open."""

    status: Status
    open_steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def passes(self) -> bool:
        return not self.open_steps


def gate(playbook: Playbook, status: Status, done: set[str]) -> GateCheck:
    """The required steps of the phases `status` needs that are not done."""
    needed = GATES.get(status, ())
    missing = tuple(
        step
        for phase in playbook.phases
        if phase.name in needed
        for step in phase.steps
        if step.required and step.id not in done
    )
    return GateCheck(status, missing)


def current_phase(playbook: Playbook, status: Status, done: set[str]) -> str:
    """The phase being worked: while investigating, detection until its required steps are
    done, then containment; then remediation, then verification."""
    phases = PHASES_OF_STATUS.get(status, ("containment",))
    for name in phases[:-1]:
        required = [s for s in playbook.phase(name).steps if s.required]
        if any(s.id not in done for s in required):
            return name
    return phases[-1]
