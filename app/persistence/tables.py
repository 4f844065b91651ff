"""Every table Warroom stores, in one module."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from app.persistence.types import UTCDateTime

metadata = SQLModel.metadata


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
    declared_at: datetime = _time()
    updated_at: datetime = _time()
    declared_from_channel: str | None = None
    channel_name: str | None = None  # intended name until created, then the actual one
    channel_id: str | None = Field(default=None, unique=True)
    kickoff_ts: str | None = None
    topic: str | None = None  # last topic set, so unchanged topics are not set again
    announcement_channel_id: str | None = None
    announcement_ts: str | None = None

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
    # Keeps one entry per source event (e.g. one per pinned message), across replicas.
    dedupe_key: str | None = Field(default=None, unique=True)
    link: str | None = None


class OutboxMessage(SQLModel, table=True):
    """Something to say or do in Slack, written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    op: str
    channel: str | None = None  # None: the incident's own channel, once it exists
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sequence_key: str | None = Field(default=None, index=True)  # posts to one place keep order
    depends_on: int | None = Field(default=None, foreign_key="outbox.id")
    status: str = "pending"  # pending | sent | dead
    attempts: int = 0
    maybe_sent: bool = False  # an attempt may have reached Slack: verify before repeating
    not_before: datetime = _time()
    lease_owner: str | None = None
    lease_until: datetime | None = _time(nullable=True)
    created_at: datetime = _time()
    sent_at: datetime | None = _time(nullable=True)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_error: str = ""


class ProcessedEvent(SQLModel, table=True):
    """Slack retries events; each event_id is acted on once, whichever replica gets it."""

    __tablename__ = "processed_events"
    event_id: str = Field(primary_key=True)
    received_at: datetime = _time()
