"""What Warroom says in Slack, as typed values: one frozen dataclass per kind of message.

Use cases write these into the outbox (`encode`); the gateway reads them back (`decode`) and
renders them. A field renamed on one side is a type error on the other, not a KeyError in a
row retried for a day. A stored message that no longer decodes (written by an older version,
or corrupted) raises Undeliverable: the row gives up at once and someone is told.

Each kind has a KIND tag, stored with it, and a VERSION: change a kind's fields and bump its
version, so rows written before are recognised as undeliverable rather than misread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar


class Undeliverable(ValueError):
    """A stored message that can never be rendered: give up on its row, never retry."""


@dataclass(frozen=True)
class Said:
    KIND: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def encode(self) -> dict[str, Any]:
        return {"message": self.KIND, "v": self.VERSION, "params": asdict(self)}


@dataclass(frozen=True)
class Text(Said):
    """Words already rendered from a template (an update, a reminder), posted as they are."""

    KIND = "text"
    text: str
    audience: str | None = None  # the audience an update was for
    update_id: int | None = None  # set: the update asks "Was this useful?" (StatusUpdate.id)


@dataclass(frozen=True)
class UpdateDue:
    """When an update to an audience was due, carried beside the message in its outbox row
    (not a field of Text: rows written before it still decode)."""

    at: datetime
    automatic: bool  # sent by Warroom on the cadence, not published by a person

    def encode(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "automatic": self.automatic}

    @classmethod
    def decode(cls, value: Any) -> UpdateDue | None:
        """None for a row with no due time (or one this version cannot read)."""
        try:
            return cls(datetime.fromisoformat(value["at"]), bool(value["automatic"]))
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Kickoff(Said):
    """The pinned message in the incident channel, drawn from the incident's current state."""

    KIND = "kickoff"


@dataclass(frozen=True)
class Announcement(Said):
    KIND = "announcement"


@dataclass(frozen=True)
class Declared(Said):
    """The declarer's confirmation."""

    KIND = "declared"


@dataclass(frozen=True)
class Moved(Said):
    """A change of severity or status: before, after, why and by whom."""

    before: str
    after: str
    reason: str
    by: str


@dataclass(frozen=True)
class SeverityChanged(Moved):
    KIND = "severity_changed"


@dataclass(frozen=True)
class StatusChanged(Moved):
    KIND = "status_changed"


@dataclass(frozen=True)
class Reopened(Moved):
    KIND = "reopened"


@dataclass(frozen=True)
class RoleAssigned(Said):
    KIND = "role_assigned"
    role: str
    user: str
    by: str
    previous: str | None = None


@dataclass(frozen=True)
class RoleUnassigned(Said):
    KIND = "role_unassigned"
    role: str
    user: str
    by: str


@dataclass(frozen=True)
class RoleInstructions(Said):
    """By DM to the person who now holds a role."""

    KIND = "role_instructions"
    role: str
    by: str


@dataclass(frozen=True)
class NoteAdded(Said):
    KIND = "note_added"
    text: str
    by: str


@dataclass(frozen=True)
class ChannelFailed(Said):
    """By DM to the declarer: the record exists, its channel could not be created."""

    KIND = "channel_failed"
    error: str


@dataclass(frozen=True)
class DecisionAsked(Said):
    """A decision with a button per option; redrawn with its outcome once it is settled."""

    KIND = "decision"
    decision_id: int
    ref: str
    question: str
    options: list[str]
    owner: str
    due_at: str  # ISO 8601
    status: str
    outcome: str | None = None
    decided_by: str | None = None
    rationale: str = ""


@dataclass(frozen=True)
class DecisionMade(Said):
    KIND = "decision_made"
    ref: str
    question: str
    outcome: str
    by: str
    why: str


@dataclass(frozen=True)
class BlastRadiusShown(Said):
    """What an incident's affected systems reach: catalog keys, drawn from the catalog."""

    KIND = "blast_radius"
    affected: list[str]
    downstream: list[str]
    functions: list[str]
    versions: list[str]  # plain lines: "fraud-scorer: champion → v12, since …"
    added_by: str
    invited: list[str]  # people asked to join (user IDs)


@dataclass(frozen=True)
class SeveritySuggested(Said):
    """The blast radius holds a tier that suggests a higher severity: a button to raise it."""

    KIND = "severity_suggested"
    current: str
    suggested: str
    tier: str
    because: list[str]  # the systems of that tier
    raised_by: str | None = None  # once someone pressed the button


@dataclass(frozen=True)
class RollbackDone(Said):
    """A model's alias moved in the registry, read back and verified."""

    KIND = "rollback_done"
    system: str
    mlflow_name: str
    alias: str
    before: int
    after: int
    before_run: str | None
    after_run: str | None
    by: str
    why: str
    decision: str  # D-n


@dataclass(frozen=True)
class RollbackFailed(Said):
    KIND = "rollback_failed"
    system: str
    alias: str
    from_version: int
    to_version: int
    error: str
    decision: str


@dataclass(frozen=True)
class StepLine:
    """One step of a checklist as shown: its state at the time the message was written."""

    id: str
    text: str
    required: bool = False
    role: str | None = None
    holder: str | None = None  # the role's holder, a user ID
    done_by: str | None = None
    done_at: str | None = None  # ISO 8601
    waiting_for: str | None = None  # an evidence kind not yet recorded


@dataclass(frozen=True)
class ChecklistShown(Said):
    """A playbook phase's checklist: a checkbox per step, edited in place as they are ticked."""

    KIND = "checklist"
    playbook: str
    title: str
    phase: str
    steps: list[StepLine]

    def __post_init__(self) -> None:  # read back from the outbox, the steps are mappings
        lines = [s if isinstance(s, StepLine) else StepLine(**s) for s in self.steps]
        object.__setattr__(self, "steps", lines)


@dataclass(frozen=True)
class EvidenceRecorded(Said):
    KIND = "evidence_recorded"
    number: int
    kind: str
    reference: str
    note: str
    by: str


@dataclass(frozen=True)
class HypothesisMoved(Said):
    """A hypothesis raised (open) or moved (testing, confirmed, ruled out)."""

    KIND = "hypothesis"
    number: int
    text: str
    status: str
    outcome: str
    by: str


@dataclass(frozen=True)
class AlertLine:
    """One alert as an incident's alerts message shows it."""

    key: str  # the link's key: what a Split button names
    title: str
    source: str
    status: str  # firing | resolved | acknowledged
    how: str  # declared | attached | correlated | noted
    fired: int
    value: str = ""
    system: str | None = None
    url: str | None = None
    since: str | None = None  # ISO 8601: when it (last) began firing


@dataclass(frozen=True)
class AlertsShown(Said):
    """An incident's alerts, one message edited in place as they repeat, resolve and join."""

    KIND = "alerts"
    lines: list[AlertLine]
    firing: int  # of all linked alerts, shown or not
    total: int

    def __post_init__(self) -> None:  # read back from the outbox, the lines are mappings
        lines = [a if isinstance(a, AlertLine) else AlertLine(**a) for a in self.lines]
        object.__setattr__(self, "lines", lines)


@dataclass(frozen=True)
class OpenIncidentChoice:
    number: int
    title: str


@dataclass(frozen=True)
class AlertProposed(Said):
    """An alert proposed as an incident in the triage channel, redrawn once settled."""

    KIND = "alert_proposed"
    proposal_id: int
    title: str
    source: str
    severity: str
    radius: str  # one line: systems and business functions it reaches
    status: str  # open | declared | attached | dismissed
    value: str = ""
    description: str = ""
    system: str | None = None
    url: str | None = None
    playbook: str | None = None
    attach_to: list[OpenIncidentChoice] = field(default_factory=list)  # same system, open
    repeats: int = 0  # further alerts folded into it
    settled_by: str | None = None
    reason: str = ""
    incident_ref: str | None = None

    def __post_init__(self) -> None:
        choices = [
            c if isinstance(c, OpenIncidentChoice) else OpenIncidentChoice(**c)
            for c in self.attach_to
        ]
        object.__setattr__(self, "attach_to", choices)


@dataclass(frozen=True)
class AlertNoted(Said):
    """A `note` alert with no open incident of its system: said in the triage channel."""

    KIND = "alert_noted"
    title: str
    source: str
    status: str
    value: str = ""
    system: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class CommandWanted(Said):
    """An incident declared from an alert: nobody commands it until someone presses Take."""

    KIND = "command_wanted"
    incident_id: int
    ref: str
    title: str
    owners: list[str]  # people asked (user IDs)
    in_triage: bool = False  # the copy in the triage channel links to the incident channel
    taken_by: str | None = None


@dataclass(frozen=True)
class ActionItemRecorded(Said):
    """A-n recorded: in the incident channel, and by DM to an owner someone else named."""

    KIND = "action_item"
    ref: str
    text: str
    kind: str
    owner: str
    due_at: str  # ISO 8601
    by: str


@dataclass(frozen=True)
class ActionItemDone(Said):
    KIND = "action_item_done"
    ref: str
    text: str
    by: str
    verification: str


@dataclass(frozen=True)
class ActionItemDue(Said):
    """By DM to the owner: an action item fell due (and weekly after, until done)."""

    KIND = "action_item_due"
    ref: str
    text: str
    due_at: str  # ISO 8601
    overdue: bool


@dataclass(frozen=True)
class Email(Said):
    """An audience's update by email (op email, not a Slack post). `text` and `subject` are
    the approved words as rendered for Slack (read back without Slack's markup when sent),
    `html` the HTML sibling's rendering, if the template has one."""

    KIND = "email"
    audience: str
    to: list[str]
    sender: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    place: str = ""  # where else the audience heard it (a channel), for the failure notice


KINDS: dict[str, type[Said]] = {
    kind.KIND: kind
    for kind in (
        Text,
        Kickoff,
        Announcement,
        Declared,
        SeverityChanged,
        StatusChanged,
        Reopened,
        RoleAssigned,
        RoleUnassigned,
        RoleInstructions,
        NoteAdded,
        ChannelFailed,
        DecisionAsked,
        DecisionMade,
        BlastRadiusShown,
        SeveritySuggested,
        RollbackDone,
        RollbackFailed,
        ChecklistShown,
        EvidenceRecorded,
        HypothesisMoved,
        AlertsShown,
        AlertProposed,
        AlertNoted,
        CommandWanted,
        ActionItemRecorded,
        ActionItemDone,
        ActionItemDue,
        Email,
    )
}


# Carried out by something other than the Slack gateway (the email sender): no Slack renderer.
NOT_FOR_SLACK: frozenset[type[Said]] = frozenset({Email})


def decode(payload: dict[str, Any]) -> Said:
    """The message an outbox row carries; Undeliverable when it cannot be read back."""
    kind = KINDS.get(str(payload.get("message")))
    if kind is None:
        raise Undeliverable(f"no message kind {payload.get('message')!r}")
    version = payload.get("v", 1)  # rows written before versions were recorded are v1
    if version != kind.VERSION:
        raise Undeliverable(f"{kind.KIND} v{version} is not v{kind.VERSION}")
    params = payload.get("params") or {}
    known = {f.name for f in fields(kind)}
    if not isinstance(params, dict) or set(params) - known:
        raise Undeliverable(f"{kind.KIND}: unexpected fields {sorted(set(params) - known)}")
    try:
        return kind(**params)
    except TypeError as exc:
        raise Undeliverable(f"{kind.KIND}: {exc}") from None
