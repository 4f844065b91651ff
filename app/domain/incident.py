"""A read-only picture of an incident, as messages, topics and summaries show it."""

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.regulatory_clocks import RunningClock
from app.domain.roles import COMMANDER
from app.domain.severity import Severity
from app.domain.status import Status

BOT_ACTOR = "warroom"  # what Warroom itself did (an automatic update, a declaration from an alert)


@dataclass(frozen=True)
class RoleSlot:
    role: str
    title: str
    holder: str | None  # Slack user ID, or None while unfilled


@dataclass(frozen=True)
class IncidentSnapshot:
    number: int
    title: str
    severity: Severity
    status: Status
    private: bool
    declared_by: str
    declared_at: datetime
    affected: str = ""
    impact: str = ""
    summary: str = ""
    channel_id: str | None = None
    roles: tuple[RoleSlot, ...] = field(default_factory=tuple)
    milestones: dict[str, datetime] = field(default_factory=dict)  # status -> first reached
    pending_decisions: int = 0
    systems: tuple[tuple[str, str | None], ...] = ()  # affected: (catalog key, model version)
    functions: tuple[str, ...] = ()  # business functions in the blast radius, by name
    drill: bool = False  # an exercise: marked [DRILL] everywhere, kept in its own channel
    clocks: tuple[RunningClock, ...] = ()  # regulatory clocks still running, soonest due first
    as_of: datetime | None = None  # when the picture was taken (the time left is from then)

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def commander(self) -> str | None:
        return self.holder(COMMANDER)

    def holder(self, role: str) -> str | None:
        return next((slot.holder for slot in self.roles if slot.role == role), None)
