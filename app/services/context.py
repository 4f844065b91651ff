"""What every use case needs: the database, configuration, the clock, and a unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.clock import Clock
from app.config import SHIPPED_TEMPLATES, WarroomConfig
from app.domain.alert_rules import RuleBook
from app.domain.audiences import AudienceList
from app.domain.catalog import Catalog
from app.domain.drills import Scenario
from app.domain.glossary import Glossary
from app.domain.incident import BOT_ACTOR as BOT_ACTOR  # re-exported for the use cases
from app.domain.permissions import Publishers
from app.domain.playbooks import Playbook
from app.domain.regulatory_clocks import ClockCatalog
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.integrations.registry import ModelRegistry
from app.persistence.engine import Database
from app.persistence.tables import HomeViewer, Incident, OutboxMessage, TimelineEntry
from app.rendering.approvals import ApprovalBook
from app.rendering.email import html_templates
from app.rendering.templates import TemplateRenderer
from app.services.health import Health, NoHealth
from app.services.outbox_messages import Email, Said, Text, UpdateDue
from app.services.publishers import NoUserGroups, UserGroups, everyone_who_publishes

RECENT_HOME_VIEWERS = timedelta(days=7)  # refreshed on changes; others see it on next open


class Op(StrEnum):
    """What an outbox row asks the gateway to do."""

    CREATE_CHANNEL = "create_channel"  # the incident's channel; other rows wait for it
    INVITE = "invite"  # payload: users
    POST = "post"  # payload: message (kind), params, record_as, pin
    UPDATE = "update"  # edit the message posted by `depends_on`: payload message, params
    REFRESH = "refresh"  # topic, pinned kickoff and announcement re-rendered from current state
    REFRESH_HOME = "refresh_home"  # a person's App Home redrawn from current state
    RESPOND = "respond"  # ephemeral reply through a response_url (DM when there is none)
    READ_PINNED = "read_pinned"  # read a :pushpin:ed message; its text goes to the timeline
    MOVE_ALIAS = "move_alias"  # a decided rollback: move a model's alias in the registry
    UPLOAD = "upload"  # a file into the channel: payload filename, title, content, comment
    EMAIL = "email"  # an audience's update by email (app/email_sender.py): payload an Email


@dataclass
class ServiceContext:
    db: Database
    config: WarroomConfig
    clock: Clock
    templates_dir: Path = SHIPPED_TEMPLATES
    wake: Callable[[], None] = field(default=lambda: None)  # new outbox work: nudge the scheduler
    groups: UserGroups = field(default_factory=NoUserGroups)  # Slack user groups' members
    registry: ModelRegistry | None = None  # the model registry; None: WARROOM_MLFLOW_URI unset
    playbooks: dict[str, Playbook] = field(default_factory=dict)  # by name (file stem)
    glossary: Glossary = field(default_factory=Glossary)  # the shipped terms (glossary.yaml)
    memo: dict[str, Any] = field(default_factory=dict)  # slow-moving numbers kept a while
    drills: dict[str, Scenario] = field(default_factory=dict)  # scenarios by name (file stem)
    health: Health = field(default_factory=NoHealth)  # what happens, for /metrics
    # Customers were told something (a status post committed): the status page's cache goes.
    status_changed: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        self.severities: SeverityScale = self.config.severity_scale()
        self.roles: RoleCatalog = self.config.role_catalog()
        self.audiences: AudienceList = self.config.audience_list()
        self.admins: frozenset[str] = frozenset(self.config.admins)
        self.publishers: Publishers = self.config.publisher_list()
        self.catalog: Catalog = self.config.catalog_model()
        self.alert_rules: RuleBook = self.config.alert_rules()
        self.clocks: ClockCatalog = self.config.clock_catalog()
        self.templates = TemplateRenderer(self.templates_dir)
        self.html_templates = html_templates(self.templates_dir)  # emails' HTML parts
        self.approvals = ApprovalBook(self.templates_dir)

    def people_of(self, owners: Iterable[str]) -> list[str]:
        """User IDs for owners given as users or user groups (groups expanded: this may ask
        Slack, so call it before a transaction), each once, in the order given."""
        people: list[str] = []
        for owner in owners:
            people += sorted(self.groups.members_of(owner)) if owner.startswith("S") else [owner]
        return list(dict.fromkeys(people))

    def publisher_ids(self) -> frozenset[str] | None:
        """Everyone who may speak for the company, groups expanded (this may ask Slack, so
        call it before a transaction); None when `publishers` is not configured."""
        return everyone_who_publishes(self.publishers, self.groups)

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """One transaction; the scheduler is woken after it commits if it wrote outbox rows."""
        with self.db.transaction() as session:
            unit = Unit(session, self.clock.now())
            yield unit
        if unit.said:
            self.wake()
        for committed in unit.on_commit:
            committed()


class Unit:
    """The session of one use case, with helpers to say things and write the timeline."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.said = 0
        self.on_commit: list[Callable[[], None]] = []  # run once the transaction committed

    def say(
        self,
        op: Op,
        *,
        incident_id: int | None,
        channel: str | None = None,
        payload: dict[str, Any] | None = None,
        sequence_key: str | None = None,
        depends_on: int | None = None,
        supersede_key: str | None = None,
        delay: timedelta | None = None,
    ) -> OutboxMessage:
        """`delay`: not before now + delay (edits coalesce: a newer one supersedes it)."""
        if (
            incident_id is not None
            and channel is not None
            and self._drill_elsewhere(incident_id, channel)
        ):
            channel, sequence_key = None, f"incident:{incident_id}"
        row = OutboxMessage(
            incident_id=incident_id,
            op=op.value,
            channel=channel,
            payload=payload or {},
            sequence_key=sequence_key,
            depends_on=depends_on,
            supersede_key=supersede_key,
            not_before=self.now + delay if delay else self.now,
            created_at=self.now,
        )
        self.session.add(row)
        self.session.flush()
        self.said += 1
        return row

    def _drill_elsewhere(self, incident_id: int, channel: str) -> bool:
        """A drill's words bound for a channel other than its own (an audience's, the
        announcements, triage): the last guard that keeps an exercise out of real channels.
        Direct messages to the people taking part still go to them."""
        if channel[:1] in {"U", "W"} and channel.isupper() and channel.isalnum():
            return False
        incident = self.session.get(Incident, incident_id)
        return incident is not None and incident.drill

    def post_in_incident(self, incident_id: int, message: Said) -> OutboxMessage:
        """A message in the incident channel, after everything posted there before it."""
        return self.say(
            Op.POST,
            incident_id=incident_id,
            payload=message.encode(),
            sequence_key=f"incident:{incident_id}",
        )

    def direct_message(self, incident_id: int | None, user_id: str, message: Said) -> OutboxMessage:
        return self.say(
            Op.POST,
            incident_id=incident_id,
            channel=user_id,
            payload=message.encode(),
            sequence_key=f"dm:{user_id}",
        )

    def post_text(
        self,
        incident_id: int | None,
        text: str,
        *,
        channel: str | None = None,
        supersede_key: str | None = None,
        audience: str | None = None,
        update_id: int | None = None,
        due: UpdateDue | None = None,
    ) -> OutboxMessage:
        """Words already rendered from a template (an update, a reminder), posted as they are.

        `channel` None means the incident channel; a user ID means a direct message.
        `update_id`: the update its readers are asked about ("Was this useful?").
        `due`: an update's due time; how late it went out is measured when it does."""
        if channel is None and incident_id is None:
            raise ValueError("a post with no incident needs a channel")
        key = f"incident:{incident_id}" if channel is None else f"channel:{channel}"
        payload = Text(text, audience, update_id).encode()
        if due is not None:  # beside the message, not in it: old rows still decode
            payload["due"] = due.encode()
        return self.say(
            Op.POST,
            incident_id=incident_id,
            channel=channel,
            payload=payload,
            sequence_key=key,
            supersede_key=supersede_key,
        )

    def email(
        self, incident_id: int | None, message: Email, *, supersede_key: str | None = None
    ) -> OutboxMessage | None:
        """An audience's update by email, in order after the earlier ones to that audience.
        Never for a drill: an exercise's words stay in its own channel."""
        if incident_id is not None:
            incident = self.session.get(Incident, incident_id)
            if incident is not None and incident.drill:
                return None
        return self.say(
            Op.EMAIL,
            incident_id=incident_id,
            channel=f"email:{message.audience}",  # not a Slack channel: not waiting for one
            payload=message.encode(),
            sequence_key=f"email:{message.audience}:{incident_id}",
            supersede_key=supersede_key,
        )

    def drop_stale(self, key: str) -> None:
        """Rows written under `key` that still wait (not in flight) are superseded: a newer
        one makes them noise."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        self.session.execute(
            update(table)
            .where(
                table.c.supersede_key == key,
                table.c.status == "pending",
                or_(table.c.lease_until.is_(None), table.c.lease_until < self.now),
            )
            .values(status="superseded", sent_at=self.now, last_error="superseded by a newer one")
        )

    def refresh(self, incident_id: int) -> OutboxMessage:
        """Topic, pinned kickoff and announcement catch up with the incident's current state,
        and so do the Home tabs of the people who look at them."""
        self.refresh_homes()
        return self.say(Op.REFRESH, incident_id=incident_id, sequence_key=f"refresh:{incident_id}")

    def refresh_homes(self) -> None:
        """Redraw the Home tab of everyone who looked lately; a later refresh for the same
        person makes an earlier, still queued one unnecessary."""
        since = self.now - RECENT_HOME_VIEWERS
        viewers = self.session.exec(
            select(HomeViewer.user_id).where(col(HomeViewer.opened_at) >= since)
        )
        for user in viewers:
            self.refresh_home(user)

    def refresh_home(self, user: str) -> OutboxMessage:
        return self.say(
            Op.REFRESH_HOME,
            incident_id=None,
            channel=user,
            payload={"user": user},
            sequence_key=f"home:{user}",
        )

    def log(
        self,
        incident_id: int,
        actor: str,
        kind: str,
        text: str,
        *,
        dedupe_key: str | None = None,
        link: str | None = None,
        people: Iterable[str | None] = (),
    ) -> TimelineEntry:
        """`people`: the user IDs this code wrote into `text` (shown as mentions later)."""
        entry = TimelineEntry(
            incident_id=incident_id,
            at=self.now,
            actor=actor,
            kind=kind,
            text=text,
            people=[p for p in people if p],
            dedupe_key=dedupe_key,
            link=link,
        )
        self.session.add(entry)
        return entry
