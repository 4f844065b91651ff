from datetime import timedelta

import pytest

from app.domain.errors import InvalidInput, NotAllowed
from app.domain.permissions import ensure_may_manage, may_manage
from app.domain.roles import COMMANDER, Role, RoleCatalog
from app.domain.severity import Severity, SeverityScale
from app.domain.status import Status, check_transition, parse_status

SCALE = SeverityScale(
    [
        Severity("sev1", "Critical", 0, timedelta(minutes=30)),
        Severity("sev2", "High", 1, timedelta(minutes=30)),
        Severity("sev3", "Moderate", 2, timedelta(hours=1)),
    ]
)


def test_unknown_severity_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        SCALE.get("sev9")
    assert "sev1, sev2, sev3" in err.value.message


def test_severity_names_are_case_insensitive_and_ordered() -> None:
    assert SCALE.get("SEV2").label == "High"
    assert SCALE.at_least("sev1", "sev2")
    assert not SCALE.at_least("sev3", "sev2")


def test_a_severity_removed_from_configuration_still_describes_itself() -> None:
    gone = SCALE.describe("sev4")
    assert gone.key == "sev4" and gone.rank > SCALE.get("sev3").rank


def test_user_text_in_errors_is_escaped() -> None:
    with pytest.raises(InvalidInput) as err:
        SCALE.get("<!channel>")
    assert "<!channel>" not in err.value.message
    assert "&lt;!channel&gt;" in err.value.message


def test_status_moves_forward_freely_but_back_only_with_a_reason() -> None:
    check_transition(Status.INVESTIGATING, Status.VERIFYING, "")
    with pytest.raises(InvalidInput, match="needs a reason"):
        check_transition(Status.VERIFYING, Status.REMEDIATING, "")
    check_transition(Status.VERIFYING, Status.REMEDIATING, "precision regressed")
    with pytest.raises(InvalidInput, match="already"):
        check_transition(Status.CONTAINED, Status.CONTAINED, "")


def test_unknown_status_lists_the_statuses() -> None:
    with pytest.raises(InvalidInput, match="investigating, contained, remediating"):
        parse_status("fixed")
    assert parse_status(" Contained ") is Status.CONTAINED


def test_roles_include_builtins_configured_ones_and_aliases() -> None:
    catalog = RoleCatalog([Role("model-owner", "Owns the model", "Decide on rollback.")])
    assert catalog.keys[:4] == [COMMANDER, "tech-lead", "comms", "scribe"]
    assert catalog.get("model-owner").title == "Model Owner"
    assert catalog.get("IC").key == COMMANDER
    with pytest.raises(InvalidInput, match="model-owner"):
        catalog.get("ceo")


def test_only_commander_and_admins_manage() -> None:
    assert may_manage("U1", "U1", set())
    assert may_manage("U9", "U1", {"U9"})
    assert not may_manage("U2", "U1", {"U9"})
    with pytest.raises(NotAllowed) as err:
        ensure_may_manage("U0BOBBY01", "U0ALICE01", {"U0ADMIN01"}, "change the severity")
    assert "<@U0ALICE01>" in err.value.message and "<@U0ADMIN01>" in err.value.message
