"""Errors a person can act on. Their message is shown to them as-is (ephemeral)."""


class WarroomError(Exception):
    """Base for errors whose message is safe and useful to show the person who acted."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(WarroomError):
    """What was typed cannot be understood; the message says what would work."""


class FormProblem(InvalidInput):
    """Something typed into a form is wrong; `field` names the input (its block ID)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(WarroomError):
    """The person may not do this; the message names who can."""


class NotFound(WarroomError):
    """The incident, role or person referred to does not exist."""


class NotInIncidentChannel(WarroomError):
    """An incident command was used outside an incident channel."""
