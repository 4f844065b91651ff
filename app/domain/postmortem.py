"""The post-mortem as a plain value: what happened, gathered from the record, plus the rules
that need no database (update rhythm per audience, time to decide, steps skipped).

The services fill it in; the renderers (app/rendering/postmortem.py) turn it into Markdown or
JSON. Nothing here knows Slack or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SeverityChange:
    at: datetime
    severity: str  # the severity from this moment on
    by: str
    reason: str = ""


@dataclass(frozen=True)
class Summary:
    ref: str
    title: str
    severity: str  # now
    severity_history: tuple[SeverityChange, ...]  # the declared severity first
    status: str
    declared_at: datetime
    resolved_at: datetime | None
    duration: timedelta | None  # declared → resolved
    systems: tuple[str, ...]  # named as affected
    downstream: tuple[str, ...]  # reached through the catalog
    business_functions: tuple[str, ...]
    resolution: str = ""  # the resolver's summary
    drill: bool = False


@dataclass(frozen=True)
class AlertFact:
    title: str
    source: str
    system: str | None
    first_firing: datetime | None  # the alert's own start (startsAt)
    first_seen: datetime  # when Warroom got it
    fired: int
    status: str
    how: str  # declared | attached | correlated | noted


@dataclass(frozen=True)
class Detection:
    by_alert: bool
    detected_by: str  # a user ID, or the alert source
    started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime
    alerts: tuple[AlertFact, ...] = ()


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class GateOverrideFact:
    status: str  # the status the gate guarded
    open_steps: tuple[str, ...]
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class DecisionFact:
    ref: str
    question: str
    options: tuple[str, ...]
    status: str  # pending | decided | closed | carried
    owner: str
    asked_by: str
    asked_at: datetime
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None
    rationale: str
    time_to_decide: timedelta | None
    gate_override: GateOverrideFact | None = None


@dataclass(frozen=True)
class HypothesisFact:
    ref: str
    text: str
    status: str
    outcome: str
    raised_by: str
    raised_at: datetime
    updated_by: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class EvidenceFact:
    ref: str
    kind: str
    reference: str
    note: str
    by: str
    at: datetime


@dataclass(frozen=True)
class AudienceUpdates:
    audience: str
    count: int
    on_schedule: int | None  # None: no update had a recorded due time
    scheduled: int  # updates that had a due time (what on_schedule is out of)
    longest_silence: timedelta | None  # None: the audience was never owed an update


@dataclass(frozen=True)
class RoleSpell:
    role: str
    user: str
    started_at: datetime
    ended_at: datetime | None
    assigned_by: str


@dataclass(frozen=True)
class StepFact:
    id: str
    phase: str
    text: str
    required: bool
    done_by: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class PlaybookFact:
    name: str
    title: str
    version: str  # the sha256 of the file as attached (short)
    attached_by: str
    attached_at: datetime
    done: tuple[StepFact, ...]
    skipped: tuple[StepFact, ...]


@dataclass(frozen=True)
class Number:
    """One of this incident's numbers, already in words (e.g. "time to contain", "42m")."""

    name: str
    value: str


@dataclass(frozen=True)
class ActionItemFact:
    ref: str
    text: str
    owner: str
    status: str
    due: datetime | None = None
    kind: str = ""


@dataclass(frozen=True)
class ClockFact:
    """A regulatory clock flagged in the incident, and whether its deadline was met."""

    clock: str  # its name in commands: personal-data
    label: str  # GDPR Art. 33
    aware_since: datetime
    due_at: datetime
    flagged_by: str
    flagged_at: datetime
    status: str  # running | notified | unflagged
    met: bool | None  # None: still running with time left, or unflagged
    notified_by: str | None = None
    notified_at: datetime | None = None
    reference: str = ""
    unflagged_by: str | None = None
    unflag_reason: str = ""


@dataclass(frozen=True)
class FollowUp:
    """Who owns the post-mortem, when it is due, and where the finished one lives."""

    owner: str | None
    due_at: datetime | None
    exempt: str = ""  # why it is not required ("" when it is)
    done_at: datetime | None = None
    link: str | None = None


@dataclass(frozen=True)
class Postmortem:
    generated_at: datetime
    summary: Summary
    detection: Detection
    timeline: tuple[TimelineLine, ...]
    decisions: tuple[DecisionFact, ...]
    hypotheses: tuple[HypothesisFact, ...]
    evidence: tuple[EvidenceFact, ...]
    updates: tuple[AudienceUpdates, ...]
    roles: tuple[RoleSpell, ...]
    playbook: PlaybookFact | None
    numbers: tuple[Number, ...]
    action_items: tuple[ActionItemFact, ...] | None  # None: action items are not tracked here
    follow_up: FollowUp
    clocks: tuple[ClockFact, ...] = ()  # regulatory clocks (GDPR, EU AI Act, the organisation's)
    prompts: tuple[str, ...] = field(
        default=(
            "Five whys",
            "What went well",
            "What went badly",
            "Where we got lucky",
        )
    )


# --- rules ---------------------------------------------------------------------------------


def time_to_decide(
    asked_at: datetime, decided_at: datetime | None, status: str
) -> timedelta | None:
    """Asked → made; None for one closed, carried over or still pending."""
    return decided_at - asked_at if decided_at is not None and status == "decided" else None


def on_time(due_at: datetime | None, done_at: datetime | None, now: datetime) -> bool | None:
    """Whether a post-mortem was done by its due time: None while that is not known yet (not
    due, not done) or when none is required (no due time)."""
    if due_at is None:
        return None
    if done_at is not None:
        return done_at <= due_at
    return False if now > due_at else None
