"""Regulatory clocks' pure rules: reminder points, the time left, met or missed, what
`--aware-since` means, and the `regulatory_clocks:` configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.config import ConfigError, WarroomConfig, parse_config
from app.domain.errors import InvalidInput
from app.domain.regulatory_clocks import (
    ClockFacts,
    check_awareness,
    met,
    next_reminder,
    parse_moment,
    reminders_reached,
    tally,
    time_left,
)

T0 = datetime(2026, 11, 30, 2, 10, tzinfo=UTC)
H = timedelta(hours=1)


def test_reminder_points_are_half_three_quarters_ninety_percent_and_the_deadline() -> None:
    due = T0 + 72 * H
    points = [next_reminder(T0, due, n) for n in range(5)]
    assert points == [T0 + 36 * H, T0 + 54 * H, T0 + timedelta(hours=64.8), due, None]
    assert [reminders_reached(T0, due, T0 + h * H) for h in (0, 35, 36, 60, 71, 72, 900)] == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
    ]


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (72 * H, "72h left"),
        (41 * H + timedelta(minutes=59), "41h left"),
        (5 * H + timedelta(minutes=20), "5h 20m left"),
        (timedelta(minutes=35), "35m left"),
        (timedelta(seconds=20), "due now"),
        (-(3 * H), "overdue by 3h"),
        (15 * 24 * H, "15d left"),
        (14 * 24 * H + 23 * H + timedelta(minutes=59), "14d 23h left"),
    ],
)
def test_the_time_left_reads_in_hours_then_days_rounded_down(left: timedelta, words: str) -> None:
    assert time_left(T0 + left, T0) == words


def test_a_deadline_is_met_when_notified_by_it_and_unknown_while_time_remains() -> None:
    due = T0 + 72 * H
    assert met(due, due, T0 + 99 * H) is True
    assert met(due, due + timedelta(minutes=1), T0) is False
    assert met(due, None, T0 + 71 * H) is None
    assert met(due, None, T0 + 73 * H) is False


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-11-30 02:10", T0),
        ("2026-11-30T02:10:00Z", T0),
        ("2026-11-30 02:10 UTC", T0),
        ("2026-11-30 03:10 +01:00", T0),
        ("2026-11-29 21:10 -0500", T0),
        ("2026-11-30 03:10 Europe/Paris", T0),
        ("2026-7-1 12:00 Europe/Paris", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),  # summer time
    ],
)
def test_aware_since_is_utc_unless_an_offset_or_a_zone_is_given(typed: str, utc: datetime) -> None:
    assert parse_moment(typed) == utc


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("yesterday", "takes a date and a time"),
        ("2026-11-30", "takes a date and a time"),
        ("30/11/2026 02:10", "takes a date and a time"),
        ("2026-13-01 02:10", "not a real date"),
        ("2026-11-30 25:10", "not a real date"),
        ("2026-11-30 02:10 Atlantis/Lost", "not a time zone"),
        ("2026-11-30 02:10 +15:00", "at most ±14:00"),
    ],
)
def test_aware_since_refuses_what_is_not_a_moment_saying_what_works(
    typed: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_moment(typed)
    assert problem in refused.value.message


def test_aware_since_may_not_be_in_the_future_or_more_than_a_year_back() -> None:
    assert check_awareness(T0 - 5 * H, T0) == T0 - 5 * H
    assert check_awareness(T0 + timedelta(seconds=30), T0) == T0  # a watch a little ahead
    with pytest.raises(InvalidInput, match="in the future"):
        check_awareness(T0 + 2 * H, T0)
    with pytest.raises(InvalidInput, match="more than a year ago"):
        check_awareness(T0 - timedelta(days=400), T0)


def test_the_report_tallies_each_kind_of_clock() -> None:
    due = T0 + 72 * H
    now = T0 + 80 * H
    facts = [
        ClockFacts("personal-data", "GDPR Art. 33", "notified", due, due - H),
        ClockFacts("personal-data", "GDPR Art. 33", "notified", due, due + H),
        ClockFacts("personal-data", "GDPR Art. 33", "running", due, None),
        ClockFacts("personal-data", "GDPR Art. 33", "unflagged", due, None),
        ClockFacts("ai-act-serious", "AI Act", "running", T0 + 360 * H, None),
    ]
    gdpr, serious = tally(facts, now)
    assert (gdpr.flagged, gdpr.met, gdpr.missed, gdpr.running, gdpr.unflagged) == (4, 1, 2, 0, 1)
    assert (serious.flagged, serious.running) == (1, 1)


def test_the_built_in_clocks_can_be_overridden_removed_and_added_to() -> None:
    defaults = [(k.key, k.deadline) for k in WarroomConfig().clock_catalog()]
    assert defaults == [
        ("personal-data", 72 * H),
        ("ai-act-serious", 15 * 24 * H),
        ("ai-act-critical", 2 * 24 * H),
        ("ai-act-death", 10 * 24 * H),
    ]
    config = parse_config(
        {
            "regulatory_clocks": {
                "personal-data": {"deadline": "48h"},
                "ai-act-death": None,
                "key-account": {"label": "Key account notice", "deadline": "1d"},
            }
        }
    )
    catalog = config.clock_catalog()
    assert catalog.keys == ["personal-data", "ai-act-serious", "ai-act-critical", "key-account"]
    assert catalog.get("GDPR").label == "GDPR Art. 33" and catalog.get("gdpr").deadline == 48 * H
    assert catalog.get("key-account").notify_role == "compliance"


@pytest.mark.parametrize(
    ("clocks", "problem"),
    [
        ({"x": {"label": "X", "deadline": "1h", "notify_role": "legal"}}, "'legal' is not a role"),
        ({"x": {"label": "X"}}, "regulatory_clocks.x.deadline"),
        ({"x": {"label": "X", "deadline": "soon"}}, "is not a duration"),
        ({"Big Clock": {"label": "X", "deadline": "1h"}}, "not a valid clock name"),
        ({"x": {"label": "", "deadline": "1h"}}, "give a label"),
        ({"x": {"label": "X", "deadline": "1h", "owner": "me"}}, "unknown key"),
    ],
)
def test_a_bad_clock_in_the_configuration_stops_start_up_naming_it(
    clocks: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_config({"regulatory_clocks": clocks})


def test_compliance_is_a_built_in_role_an_organisation_may_redefine() -> None:
    assert "compliance" in WarroomConfig().role_catalog().keys
    config = parse_config({"roles": {"compliance": {"description": "Legal, on call"}}})
    assert config.role_catalog().get("compliance").description == "Legal, on call"
    with pytest.raises(ConfigError, match="built in"):
        parse_config({"roles": {"scribe": {"description": "Mine"}}})
