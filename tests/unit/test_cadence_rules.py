from datetime import UTC, datetime, timedelta

import pytest

from app.config import ConfigError, WarroomConfig, parse_config
from app.domain.audiences import Audience
from app.domain.cadence import ClockPlan, is_due, next_due, overdue_after, plan

CONFIG = WarroomConfig()
SCALE = CONFIG.severity_scale()
T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def test_the_next_update_is_an_interval_after_the_last() -> None:
    assert next_due(T0, SCALE.get("sev1")) == T0 + timedelta(minutes=30)
    assert next_due(T0, SCALE.get("sev3")) == T0 + timedelta(hours=1)
    assert next_due(T0, SCALE.get("sev4")) is None


def test_overdue_is_half_an_interval_after_due() -> None:
    due = T0 + timedelta(minutes=30)
    assert overdue_after(due, SCALE.get("sev2")) == due + timedelta(minutes=15)
    assert overdue_after(due, SCALE.get("sev4")) is None


def test_an_automatic_audience_wakes_when_its_update_is_due() -> None:
    sev2 = SCALE.get("sev2")
    due = T0 + timedelta(minutes=30)
    flags = {"follows": True, "automatic": True, "reminded": False, "overdue_told": False}
    assert plan(T0, sev2, **flags) == ClockPlan(due, due)


def test_a_manual_audience_is_reminded_then_told_overdue_then_left_alone() -> None:
    sev2 = SCALE.get("sev2")
    due = T0 + timedelta(minutes=30)
    manual = {"follows": True, "automatic": False}
    assert plan(T0, sev2, **manual, reminded=False, overdue_told=False) == ClockPlan(due, due)
    overdue = due + timedelta(minutes=15)
    assert plan(T0, sev2, **manual, reminded=True, overdue_told=False) == ClockPlan(due, overdue)
    assert plan(T0, sev2, **manual, reminded=True, overdue_told=True) == ClockPlan(due, None)


def test_an_audience_that_does_not_follow_or_a_severity_without_cadence_has_nothing_due() -> None:
    flags = {"automatic": True, "reminded": False, "overdue_told": False}
    assert plan(T0, SCALE.get("sev1"), follows=False, **flags) == ClockPlan(None, None)
    assert plan(T0, SCALE.get("sev4"), follows=True, **flags) == ClockPlan(None, None)


def test_a_due_time_in_the_past_is_due_now() -> None:
    assert is_due(T0 - timedelta(hours=3), T0) and is_due(T0, T0)
    assert not is_due(T0 + timedelta(seconds=1), T0) and not is_due(None, T0)


def test_defaults_follow_the_issue() -> None:
    keys = {a.key: a for a in CONFIG.audience_list()}
    assert list(keys) == ["technical", "business", "executive", "customer", "regulator"]
    assert keys["technical"].in_incident_channel
    assert keys["business"].min_severity == "sev2" and keys["executive"].min_severity == "sev1"
    assert keys["customer"].requires_approval and not keys["customer"].automatic
    assert not keys["regulator"].sent_automatically and keys["regulator"].min_severity == "sev1"


@pytest.mark.parametrize(
    ("severity", "private", "expected"),
    [
        ("sev1", False, ["technical", "business", "executive", "customer", "regulator"]),
        ("sev2", False, ["technical", "business"]),  # regulators: serious incidents only
        ("sev3", False, ["technical"]),
        ("sev4", False, ["technical"]),
        ("sev1", True, ["technical"]),
    ],
)
def test_who_follows_an_incident(severity: str, private: bool, expected: list[str]) -> None:
    following = CONFIG.audience_list().following(severity, private, SCALE)
    assert [a.key for a in following] == expected


def test_approval_audiences_are_never_sent_automatically() -> None:
    assert not Audience("x", "#x", requires_approval=True, automatic=True).sent_automatically


def test_audience_configuration_merges_over_the_defaults() -> None:
    config = parse_config(
        {
            "audiences": {
                "business": {"channel": "#risk-and-finance"},
                "regulator": None,
                "partners": {"channel": "#partners", "min_severity": "sev1"},
            }
        }
    )
    keys = {a.key: a for a in config.audience_list()}
    assert keys["business"].channel == "#risk-and-finance"
    assert keys["business"].min_severity == "sev2"  # kept from the default
    assert "regulator" not in keys and keys["partners"].min_severity == "sev1"


def test_renamed_severities_keep_sensible_audience_thresholds() -> None:
    config = parse_config(
        {
            "severities": {
                "p1": {"label": "Outage", "update_every": "15m"},
                "p2": {"label": "Degraded", "update_every": "1h"},
            }
        }
    )
    keys = {a.key: a for a in config.audience_list()}
    assert (keys["executive"].min_severity, keys["business"].min_severity) == ("p1", "p2")


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"audiences": {"business": {"min_severity": "p9"}}}, "audiences.business.min_severity"),
        ({"audiences": {"technical": None}}, "keep one audience in the incident channel"),
        ({"audiences": {"business": {"chanel": "#x"}}}, "audiences.business.chanel"),
        ({"audiences": {"Big Bosses": {"channel": "#x"}}}, "not a valid audience name"),
    ],
)
def test_bad_audience_configuration_names_the_key(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        parse_config(raw)
