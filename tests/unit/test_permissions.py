"""Who may speak for the company: the rules alone, no Slack, no database."""

import pytest

from app.config import ConfigError, parse_config
from app.domain.permissions import (
    Publishers,
    may_publish_widely,
    publishing_contacts,
)

COMMS, COMMANDER, ADMIN, OTHER = "U0COMMS01", "U0COMMAND", "U0ADMIN01", "U0OTHER01"
NOBODY_CONFIGURED = Publishers()
TEAM = Publishers(frozenset({COMMS}), frozenset({"S0TEAM001"}))


def may(actor: str, publishers: frozenset[str] | None) -> bool:
    return may_publish_widely(
        actor, comms=COMMS, commander=COMMANDER, admins={ADMIN}, publishers=publishers
    )


def test_without_publishers_comms_the_commander_and_admins_publish() -> None:
    assert [may(u, None) for u in (COMMS, COMMANDER, ADMIN, OTHER)] == [True, True, True, False]


def test_with_publishers_only_those_of_them_in_comms_or_command_and_admins_publish() -> None:
    assert [may(u, frozenset({COMMS})) for u in (COMMS, COMMANDER, ADMIN, OTHER)] == [
        True,
        False,
        True,
        False,
    ]
    assert may(COMMANDER, frozenset({COMMANDER}))  # a commander who is a publisher
    assert not may(OTHER, frozenset({OTHER}))  # a publisher with no part in this incident


def test_reminders_name_people_who_can_publish() -> None:
    assert publishing_contacts(COMMS, COMMANDER, NOBODY_CONFIGURED) == [
        f"<@{COMMS}>",
        f"<@{COMMANDER}>",
    ]
    assert publishing_contacts(None, COMMANDER, NOBODY_CONFIGURED) == [f"<@{COMMANDER}>"]
    assert publishing_contacts(COMMS, COMMANDER, TEAM) == [f"<@{COMMS}>"]
    assert publishing_contacts(None, COMMANDER, TEAM) == [f"<@{COMMS}>", "<!subteam^S0TEAM001>"]


def test_publishers_are_user_and_group_ids() -> None:
    config = parse_config({"publishers": ["U0DANA001", "S0COMMS01"]})
    assert config.publisher_list() == Publishers(frozenset({"U0DANA001"}), frozenset({"S0COMMS01"}))
    with pytest.raises(ConfigError, match=r"publishers: 'comms-team' is not a Slack user ID"):
        parse_config({"publishers": ["comms-team"]})
