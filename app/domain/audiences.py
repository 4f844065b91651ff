"""Who hears about an incident, where (a Slack channel, email, or both), and whether a person
must press publish."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.severity import SeverityScale

INCIDENT_CHANNEL = "incident"  # an audience whose channel is the incident's own


@dataclass(frozen=True)
class EmailRoute:
    """Where an audience's updates are emailed: addresses as configured (validated there)."""

    to: tuple[str, ...]
    sender: str
    reply_to: str | None = None


@dataclass(frozen=True)
class Audience:
    key: str
    channel: str | None  # "incident", a #name or a channel ID; None: by email only
    min_severity: str | None = None
    requires_approval: bool = False
    automatic: bool = True
    feedback: bool = False  # its updates ask readers "Was this useful?"
    email: EmailRoute | None = None

    @property
    def in_incident_channel(self) -> bool:
        return self.channel == INCIDENT_CHANNEL

    @property
    def destination(self) -> str:
        """Where its updates go, in words: `#customer-comms and by email to a@b.example`."""
        places = []
        if self.channel is not None:
            places.append("the incident channel" if self.in_incident_channel else self.channel)
        if self.email is not None:
            places.append("by email to " + ", ".join(self.email.to))
        return " and ".join(places)

    @property
    def title(self) -> str:
        return self.key.replace("-", " ").replace("_", " ").capitalize()

    @property
    def sent_automatically(self) -> bool:
        """Approval-required wording is never sent without a person pressing publish."""
        return self.automatic and not self.requires_approval

    def applies(self, severity: str, private: bool, scale: SeverityScale) -> bool:
        """Whether this audience follows an incident of this severity on the cadence.

        Private incidents go only to the incident channel unless a person publishes more.
        """
        if private and not self.in_incident_channel:
            return False
        if self.min_severity is None:
            return True
        return scale.describe(severity).rank <= scale.describe(self.min_severity).rank


class AudienceList:
    def __init__(self, audiences: Iterable[Audience]) -> None:
        self._by_key = {a.key: a for a in audiences}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())

    @property
    def keys(self) -> list[str]:
        return list(self._by_key)

    def get(self, key: str) -> Audience | None:
        return self._by_key.get(key)

    def following(self, severity: str, private: bool, scale: SeverityScale) -> list[Audience]:
        return [a for a in self if a.applies(severity, private, scale)]
