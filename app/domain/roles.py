"""Incident roles: the four built in, plus whatever the organisation configures."""

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.text import escape

COMMANDER = "commander"
COMMS = "comms"
COMPLIANCE = "compliance"  # watches the regulatory clocks; an organisation may redefine it


@dataclass(frozen=True)
class Role:
    key: str
    description: str
    instructions: str

    @property
    def title(self) -> str:
        return self.key.replace("-", " ").replace("_", " ").title()


BUILTIN_ROLES = (
    Role(
        COMMANDER,
        "Coordinates the response and owns every decision (or names who decides).",
        "You run this incident. Keep severity and status current, name the technical lead and "
        "communications, and make sure every pending decision gets an owner and an answer. "
        "Hand over explicitly with `/incident assign commander @someone`.",
    ),
    Role(
        "tech-lead",
        "Runs diagnosis and the fix: rollback, fallback, data or pipeline repair.",
        "Lead the diagnosis. First contain the harm (roll back to the previous model version, "
        "switch to the fallback, pause the pipeline), then find the root cause. Post findings "
        "with `/incident note` and pin evidence with :pushpin:.",
    ),
    Role(
        COMMS,
        "Owns every update to every audience, on the cadence.",
        "You own communication. Publish updates with `/incident update` before each one is due; "
        "translate model jargon into business impact; customers and regulators only ever get "
        "approved wording.",
    ),
    Role(
        "scribe",
        "Keeps the log: decisions, findings, times.",
        "Keep the record. Add notes with `/incident note`, react :pushpin: to messages that "
        "matter, and make sure every decision is logged with who, when and why.",
    ),
    Role(
        COMPLIANCE,
        "Watches the regulatory clocks (GDPR, the EU AI Act) and notifies the authorities.",
        "You watch the regulatory clocks. `/incident clocks` lists them with the time left; you "
        "are reminded at half, three quarters and 90% of each deadline. Flag one with "
        "`/incident flag personal-data` (or `ai-act-serious`, `ai-act-critical`, `ai-act-death`) "
        "and, once the authority is notified, record it with "
        "`/incident notified <clock> <the authority's reference>`.",
    ),
)
# Roles an organisation's configuration may not redefine (it may redefine compliance).
CORE_ROLES = (COMMANDER, "tech-lead", COMMS, "scribe")

# Several ways people refer to the same role.
_ALIASES = {
    "ic": COMMANDER,
    "incident-commander": COMMANDER,
    "lead": "tech-lead",
    "techlead": "tech-lead",
    "tech_lead": "tech-lead",
    "communications": COMMS,
}


class RoleCatalog:
    def __init__(self, extra: Iterable[Role] = ()) -> None:
        self._roles = {r.key: r for r in BUILTIN_ROLES}
        for role in extra:
            self._roles[role.key] = role

    @property
    def keys(self) -> list[str]:
        return list(self._roles)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._roles.values())

    def get(self, key: str) -> Role:
        wanted = key.strip().lower()
        wanted = _ALIASES.get(wanted, wanted)
        try:
            return self._roles[wanted]
        except KeyError:
            raise InvalidInput(
                f"`{escape(key)}` is not a role here. Roles: {', '.join(self.keys)}."
            ) from None
