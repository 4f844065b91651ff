"""Every table Warroom stores, in one module."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from app.domain.decisions import DecisionStatus
from app.persistence.types import UTCDateTime

metadata = SQLModel.metadata
_EMPTY_LIST = text("'[]'")


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)  # shown as INC-<id>
    title: str
    severity: str
    status: str = Field(default="investigating", index=True)
    private: bool = False
    affected: str = ""
    impact: str = ""
    summary: str = ""  # resolution summary
    declared_by: str
    declared_at: datetime = _time(index=True)  # reports select a period by it
    updated_at: datetime = _time()
    declared_from_channel: str | None = None
    channel_name: str | None = None  # intended name until created, then the actual one
    channel_id: str | None = Field(default=None, unique=True)
    kickoff_ts: str | None = None
    topic: str | None = None  # last topic set, so unchanged topics are not set again
    announcement_channel_id: str | None = None
    announcement_ts: str | None = None
    # How it was found, for time-to-detect: a person's user ID, or "alert:<source>".
    detected_by: str = Field(default="person", sa_column_kwargs={"server_default": "person"})
    detected_at: datetime | None = _time(nullable=True)
    started_at: datetime | None = _time(nullable=True)  # when the problem began, if known
    alerts_outbox_id: int | None = None  # the row that posted its "alerts" message
    drill: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})  # exercise

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"


class StatusMilestone(SQLModel, table=True):
    """When each status was first reached (time to contain, to resolve)."""

    __tablename__ = "status_milestones"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    status: str = Field(primary_key=True)
    reached_at: datetime = _time()


class RoleAssignment(SQLModel, table=True):
    """Who held which role, from when to when; ended_at is NULL for the current holder."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index(
            "uq_role_current_holder",
            "incident_id",
            "role",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    role: str
    user_id: str = Field(index=True)
    assigned_by: str
    started_at: datetime = _time()
    ended_at: datetime | None = _time(nullable=True)


class TimelineEntry(SQLModel, table=True):
    """Append-only incident log."""

    __tablename__ = "timeline_entries"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    at: datetime = _time()
    actor: str  # a Slack user ID, or "warroom" for the bot itself
    kind: str
    text: str
    # User IDs the app itself wrote into `text`: only these may be shown as mentions, never
    # something a person typed that looks like an ID.
    people: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=_EMPTY_LIST),
    )
    # Keeps one entry per source event (e.g. one per pinned message), across replicas.
    dedupe_key: str | None = Field(default=None, unique=True)
    link: str | None = None


class OutboxMessage(SQLModel, table=True):
    """Something to say or do in Slack, written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        # "Is an earlier row of this sequence still pending?" without reading its history.
        Index("ix_outbox_sequence_pending", "sequence_key", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    op: str
    channel: str | None = None  # None: the incident's own channel, once it exists
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sequence_key: str | None = Field(default=None, index=True)  # posts to one place keep order
    depends_on: int | None = Field(default=None, foreign_key="outbox.id", index=True)
    # A newer row written under the same key makes this one stale while it still waits (an
    # automatic update nobody needs once the next one is due): it is superseded, never sent.
    supersede_key: str | None = Field(default=None, index=True)
    status: str = "pending"  # pending | sent | dead | superseded
    attempts: int = 0
    maybe_sent: bool = False  # an attempt may have reached Slack: verify before repeating
    not_before: datetime = _time()
    lease_owner: str | None = None
    lease_until: datetime | None = _time(nullable=True)
    created_at: datetime = _time()
    sent_at: datetime | None = _time(nullable=True, index=True)  # retention prunes by it
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Steps of a multi-step row already done (e.g. {"post": {"channel", "ts"}} before the pin),
    # each recorded before the next begins, so a retry continues instead of repeating them.
    progress: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    last_error: str = ""


class ProcessedEvent(SQLModel, table=True):
    """Slack retries events; each event_id is acted on once, whichever replica gets it."""

    __tablename__ = "processed_events"
    event_id: str = Field(primary_key=True)
    received_at: datetime = _time(index=True)


class AudienceClock(SQLModel, table=True):
    """The update rhythm of one audience of one incident.

    `wake_at` is when the scheduler must next look at this row (an update due, a reminder, an
    overdue notice); NULL while nothing is pending. It is indexed: finding due work is a range
    scan on this index, whatever the number of active incidents.
    """

    __tablename__ = "audience_clocks"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    audience: str = Field(primary_key=True)
    last_update_at: datetime = _time()
    due_at: datetime | None = _time(nullable=True)
    wake_at: datetime | None = _time(nullable=True, index=True)
    reminded_at: datetime | None = _time(nullable=True)  # a person was asked to publish
    overdue_told_at: datetime | None = _time(nullable=True)  # the commander was told
    updates_sent: int = 0


class StatusUpdate(SQLModel, table=True):
    """An update that went out (automatic or by a person), with what it said."""

    __tablename__ = "status_updates"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    at: datetime = _time()
    author: str  # a Slack user ID, or "warroom" for the cadence
    automatic: bool = False
    audiences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    held_back: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    what_changed: str = ""
    impact: str = ""
    uncertain: str = ""
    next_steps: str = ""
    # audience -> when its update was due (ISO 8601; null: nothing was due), for the share of
    # updates on schedule. Rows from before due times were kept have none.
    due: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class UpdateVote(SQLModel, table=True):
    """ "Was this useful?" on an update: one vote per person per update and audience; a
    person voting again replaces their vote."""

    __tablename__ = "update_votes"

    update_id: int = Field(foreign_key="status_updates.id", primary_key=True)
    audience: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    useful: bool
    at: datetime = _time()


class UpdateDraft(SQLModel, table=True):
    """What a person typed into the update form, kept between the form and its preview."""

    __tablename__ = "update_drafts"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    author: str
    created_at: datetime = _time(index=True)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audiences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    published_update_id: int | None = Field(default=None, foreign_key="status_updates.id")


class Decision(SQLModel, table=True):
    """A decision someone must make, from question to outcome, with who, when and why."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    number: int  # D-<number>, counted per incident
    question: str
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owner: str = Field(index=True)
    asked_by: str
    asked_at: datetime = _time()
    due_at: datetime = _time()
    status: str = Field(default=DecisionStatus.PENDING.value, index=True)
    outcome: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = _time(nullable=True)
    rationale: str = ""
    next_remind_at: datetime | None = _time(nullable=True)
    escalate_at: datetime | None = _time(nullable=True)
    wake_at: datetime | None = _time(nullable=True, index=True)
    reminders_sent: int = 0
    message_outbox_id: int | None = None  # the post with the buttons, to edit in place


class ActionItem(SQLModel, table=True):
    """A-n: what an incident taught, owned, due, and closed with how it was verified."""

    __tablename__ = "action_items"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    number: int  # A-<number>, counted per incident
    text: str
    kind: str = "prevent"  # prevent | detect | mitigate | process
    owner: str = Field(index=True)
    created_by: str
    created_at: datetime = _time(index=True)
    due_at: datetime = _time()
    status: str = Field(default="open", index=True)  # open | done
    done_by: str | None = None
    done_at: datetime | None = _time(nullable=True, index=True)
    verification: str = ""  # how it was verified in production
    wake_at: datetime | None = _time(nullable=True, index=True)  # the next reminder
    reminders_sent: int = 0


class HomeViewer(SQLModel, table=True):
    """Who opened Warroom's App Home lately, so it can be refreshed when things change."""

    __tablename__ = "home_viewers"

    user_id: str = Field(primary_key=True)
    opened_at: datetime = _time(index=True)


class DigestRun(SQLModel, table=True):
    """One row per day the digest was considered: the primary key makes it once a day."""

    __tablename__ = "digest_runs"

    day: str = Field(primary_key=True)  # YYYY-MM-DD in the digest's time zone
    ran_at: datetime = _time()
    posted: bool = False


class Fault(SQLModel, table=True):
    """Due work that keeps failing (one incident's updates, one decision's reminders): noted
    once so the people who can act are told once, deleted when the work succeeds again."""

    __tablename__ = "faults"

    key: str = Field(primary_key=True)  # e.g. update:42:business, decision:7
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    first_at: datetime = _time()
    last_at: datetime = _time()
    error: str
    failures: int = 1


class JobRun(SQLModel, table=True):
    """A periodic job that must run once across replicas: the row is locked while it runs."""

    __tablename__ = "job_runs"

    name: str = Field(primary_key=True)  # e.g. retention
    next_run_at: datetime = _time()
    last_run_at: datetime | None = _time(nullable=True)


class AffectedSystem(SQLModel, table=True):
    """A catalog system an incident affects (named by a person, or by an alert)."""

    __tablename__ = "incident_systems"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    system: str = Field(primary_key=True)  # a catalog key
    added_by: str
    added_at: datetime = _time()
    # For a model in the registry: the version its alias pointed at when last looked at
    # (when it was named, or after a rollback), e.g. "champion v12".
    model_version: str | None = None


class Rollback(SQLModel, table=True):
    """Moving a model's alias in the registry to another version, decided before it is done:
    proposed (a decision is asked), then moving (decided "Roll back"), done or failed; or held
    (decided otherwise, closed or carried). Before and after are kept for the audit."""

    __tablename__ = "rollbacks"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    decision_id: int = Field(foreign_key="decisions.id", unique=True)
    system: str  # the catalog key
    mlflow_name: str
    alias: str
    from_version: int
    to_version: int
    undo_of: int | None = Field(default=None, foreign_key="rollbacks.id")
    status: str = "proposed"  # proposed | moving | done | failed | held
    proposed_by: str
    proposed_at: datetime = _time()
    done_at: datetime | None = _time(nullable=True)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = ""


class SeenRequest(SQLModel, table=True):
    """Signed HTTP requests seen within the signature window, so that a replay of one is
    dropped whichever replica it reaches. Rows older than the window are pruned: a replay that
    late fails the signature's timestamp check anyway."""

    __tablename__ = "seen_requests"

    key: str = Field(primary_key=True)  # sha256 of the request's signature (see request_guard)
    signed_at: datetime = _time(index=True)  # the request's own X-Slack-Request-Timestamp
    seen_at: datetime = _time()


class IncidentPlaybook(SQLModel, table=True):
    """The playbook an incident follows, as it was when attached (a later edit of the file
    does not change a running incident; the post-mortem shows which version was followed)."""

    __tablename__ = "incident_playbooks"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    name: str
    sha256: str
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attached_by: str
    attached_at: datetime = _time()
    # phase -> the outbox row that posted its checklist (edited in place as steps are ticked)
    checklists: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StepState(SQLModel, table=True):
    """A playbook step done (or undone) in an incident: who, when, with what note."""

    __tablename__ = "step_states"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    step_id: str = Field(primary_key=True)
    done: bool = False
    by: str
    at: datetime = _time()
    note: str = ""


class Evidence(SQLModel, table=True):
    """Evidence recorded in an incident: a model version, a dataset snapshot, a commit…"""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    number: int  # E-<number>, counted per incident
    kind: str
    reference: str
    note: str = ""
    by: str
    at: datetime = _time()


class Hypothesis(SQLModel, table=True):
    """A root-cause hypothesis, H-n: open, testing, confirmed or ruled out, and what showed it."""

    __tablename__ = "hypotheses"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    number: int
    text: str
    status: str = "open"  # open | testing | confirmed | ruled-out
    outcome: str = ""  # what showed it (for testing, confirmed, ruled-out)
    raised_by: str
    raised_at: datetime = _time()
    updated_by: str | None = None
    updated_at: datetime | None = _time(nullable=True)


class GateOverride(SQLModel, table=True):
    """The commander passed a phase's gate with required steps open (recorded as a decision)."""

    __tablename__ = "gate_overrides"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    decision_id: int = Field(foreign_key="decisions.id")
    status: str  # the status it moved to
    open_steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    by: str
    at: datetime = _time()
    reason: str


class GlossaryTerm(SQLModel, table=True):
    """A term added or changed in Slack (`/incident glossary add`), shown beside the shipped
    glossary and replacing the shipped definition of the same term; who and when, kept."""

    __tablename__ = "glossary_terms"

    term: str = Field(primary_key=True)  # as first written; matched case-insensitively
    definition: str
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    why: str = ""
    added_by: str
    added_at: datetime = _time()
    updated_by: str | None = None
    updated_at: datetime | None = _time(nullable=True)


class AlertLink(SQLModel, table=True):
    """An alert Warroom has seen, and what it led to: repeats are folded in by its key."""

    __tablename__ = "alert_links"

    key: str = Field(primary_key=True)  # "<source>:<fingerprint or dedup_key>"
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    proposal_id: int | None = Field(default=None, index=True)
    how: str  # declared | attached | correlated | noted | proposed
    source: str
    title: str
    system: str | None = None
    severity: str | None = None  # what the rule said
    playbook: str | None = None
    status: str  # firing | resolved | acknowledged
    value: str = ""
    url: str | None = None
    started_at: datetime | None = _time(nullable=True)
    first_seen_at: datetime = _time()
    last_seen_at: datetime = _time()
    fired: int = 1  # times it began firing (a new startsAt, or a trigger after a resolve)


class AlertProposal(SQLModel, table=True):
    """An alert proposed as an incident in the triage channel, until someone settles it."""

    __tablename__ = "alert_proposals"

    id: int | None = Field(default=None, primary_key=True)
    alert_key: str = Field(index=True)
    system: str | None = Field(default=None, index=True)
    severity: str
    playbook: str | None = None
    detected_at: datetime = _time()
    status: str = Field(default="open", index=True)  # open | declared | attached | dismissed
    settled_by: str | None = None
    settled_at: datetime | None = _time(nullable=True)
    reason: str = ""
    incident_id: int | None = None
    message_outbox_id: int | None = None  # the row that posted it, so it can be redrawn


class DrillRun(SQLModel, table=True):
    """The scenario a drill incident runs, as it was when started (its targets score the
    debrief, whatever the file says later)."""

    __tablename__ = "drill_runs"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    scenario: str  # the file's name
    # {"title", "targets": {"first_update": seconds | None, …}, "injects": n}
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_by: str
    started_at: datetime = _time(index=True)  # the last drill's start: the 90-day reminder
    debriefed_at: datetime | None = _time(nullable=True)


class DrillInject(SQLModel, table=True):
    """Something a drill makes happen at an offset from its start: a message in its channel,
    or an alert folded into it. `wake_at` is NULL once done (or the drill ended)."""

    __tablename__ = "drill_injects"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    position: int  # in the scenario, after sorting by offset
    due_at: datetime = _time()
    wake_at: datetime | None = _time(nullable=True, index=True)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    done_at: datetime | None = _time(nullable=True)


class PostmortemRecord(SQLModel, table=True):
    """An incident's post-mortem after the fact: its owner (the commander unless someone was
    named), when it is due, the reminders sent, and where the finished document lives."""

    __tablename__ = "postmortems"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    owner: str | None = None  # named with `/incident postmortem owner`; None: the commander
    owner_named_by: str | None = None
    resolved_at: datetime | None = _time(nullable=True)  # the resolution it follows (latest)
    due_at: datetime | None = _time(nullable=True)  # None: not resolved yet, or exempt
    exempt: str = ""  # why none is required (drills, a severity), from the configuration
    wake_at: datetime | None = _time(nullable=True, index=True)  # the next reminder
    reminders_sent: int = 0
    drafts: int = 0  # drafts uploaded to the channel (one per resolution)
    done_at: datetime | None = _time(nullable=True)
    done_by: str | None = None
    link: str | None = None  # where the finished document lives


class KeptNumbers(SQLModel, table=True):
    """A resolved incident's numbers as last computed, trusted only while `stamp` still sums
    up the facts and configuration they came from (see app.services.numbers_cache)."""

    __tablename__ = "incident_numbers"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    stamp: str
    numbers: str  # JSON, encoded and decoded by the cache (one decode for a whole year)
    kept_at: datetime = _time()


class RegulatoryClock(SQLModel, table=True):
    """A legal deadline running in an incident (GDPR Art. 33, the EU AI Act's Art. 73, the
    organisation's own): from the moment of awareness to notifying the authority. The holder of
    its role is reminded at each point in REMINDER_SHARES; `wake_at` is the next, NULL once the
    authority was notified, the clock unflagged, or the deadline's own reminder sent."""

    __tablename__ = "regulatory_clocks"
    __table_args__ = (UniqueConstraint("incident_id", "clock"),)  # one of each per incident

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    clock: str  # its name in commands, e.g. personal-data
    label: str  # as configured when flagged, e.g. "GDPR Art. 33"
    notify_role: str  # as configured when flagged
    started_at: datetime = _time()  # aware since
    due_at: datetime = _time()
    flagged_by: str
    flagged_at: datetime = _time()
    status: str = Field(default="running", index=True)  # running | notified | unflagged
    reminders_sent: int = 0  # reminder points accounted for (sent, or passed before flagging)
    wake_at: datetime | None = _time(nullable=True, index=True)
    notified_by: str | None = None
    notified_at: datetime | None = _time(nullable=True)
    reference: str = ""  # the authority's reference for the notification
    unflagged_by: str | None = None
    unflagged_at: datetime | None = _time(nullable=True)
    unflag_reason: str = ""


class StatusPost(SQLModel, table=True):
    """Words published to the status page's audience (customers), exactly as sent, with the
    incident's public state at that moment: the status page is built from these alone.
    Never pruned: the page shows 90 days, and an audit may ask what customers were told."""

    __tablename__ = "status_posts"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    public_id: str  # the incident's id on the page (random, the same for each of its posts)
    at: datetime = _time(index=True)
    kind: str  # update | resolution
    status: str  # investigating | identified | monitoring | resolved (Statuspage's words)
    impact: str  # none | minor | major | critical, from the severity's rank
    text: str  # the rendered words, as posted to the audience's channel (Slack mrkdwn)
    # Catalog entries in the blast radius then (system:<key>, function:<key>): the components
    # shown affected are those of them marked public.
    affects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
