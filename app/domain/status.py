"""The phases of an incident and which moves between them are allowed."""

from enum import StrEnum

from app.domain.errors import InvalidInput
from app.domain.text import escape


class Status(StrEnum):
    INVESTIGATING = "investigating"
    CONTAINED = "contained"
    REMEDIATING = "remediating"
    VERIFYING = "verifying"
    RESOLVED = "resolved"

    @property
    def order(self) -> int:
        return list(Status).index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_active(self) -> bool:
        return self is not Status.RESOLVED


def parse_status(text: str) -> Status:
    try:
        return Status(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"`{escape(text)}` is not a status. Use one of: {', '.join(s.value for s in Status)}."
        ) from None


def check_transition(current: Status, new: Status, reason: str) -> None:
    """Forward moves are free; going back (a regression) needs a reason for the log."""
    if new == current:
        raise InvalidInput(f"The incident is already `{current.value}`.")
    if new.order < current.order and not reason.strip():
        raise InvalidInput(
            f"Moving back from `{current.value}` to `{new.value}` needs a reason, e.g. "
            f"`/incident status {new.value} precision regressed during verification`."
        )
