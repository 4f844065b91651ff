"""The debrief's measures, against hand-computed values and the scenario's targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.channel_names import incident_channel_name
from app.domain.drills import DrillFacts, Targets, debrief, on_schedule

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def facts(**given: object) -> DrillFacts:
    base: dict[str, object] = {
        "started_at": START,
        "resolved_at": at(60),
        "first_update_at": at(8),
        "roles_filled_at": {"commander": at(0), "tech-lead": at(3), "comms": at(12)},
        "contained_at": at(50),
    }
    return DrillFacts(**{**base, **given})  # type: ignore[arg-type]


TARGETS = Targets(first_update=minutes(10), roles_filled=minutes(15), containment=minutes(45))


def test_each_timed_measure_is_compared_with_its_target() -> None:
    lines = {line.label: line for line in debrief(facts(), TARGETS)}
    first = lines["Time to first update"]
    assert (first.measured, first.target, first.verdict) == ("8m", "10m", "met")
    roles = lines["Time until every key role was filled"]
    assert (roles.measured, roles.verdict) == ("12m", "met")  # the last of them, comms at 12m
    contained = lines["Time to containment"]
    assert (contained.measured, contained.verdict) == ("50m", "missed")


def test_what_never_happened_misses_its_target() -> None:
    lines = {
        line.label: line
        for line in debrief(
            facts(
                first_update_at=None,
                contained_at=None,
                roles_filled_at={"commander": at(0), "scribe": None},
            ),
            TARGETS,
        )
    }
    assert lines["Time to first update"].measured == "never"
    assert lines["Time to first update"].verdict == "missed"
    roles = lines["Time until every key role was filled"]
    assert (roles.measured, roles.verdict) == ("never (scribe not filled)", "missed")
    assert lines["Time to containment"].verdict == "missed"


def test_without_targets_the_measures_are_shown_unscored() -> None:
    lines = debrief(facts(), Targets())
    assert [line.met for line in lines[:3]] == [None, None, None]
    assert lines[0].measured == "8m" and lines[0].verdict == ""


def test_decisions_updates_and_gates() -> None:
    lines = {
        line.label: line
        for line in debrief(
            facts(
                decisions=(("D-1", at(30), at(20)), ("D-2", at(30), at(35)), ("D-3", at(40), None)),
                updates=(("Business", True), ("Business", False), ("Executive", True)),
                gates=(("contained", None), ("resolved", "D-4")),
            ),
            TARGETS,
        )
    }
    decided = lines["Decisions made before their due time"]
    assert (decided.measured, decided.verdict) == ("1 of 3 (late or not made: D-2, D-3)", "missed")
    updates = lines["Updates on schedule"]
    assert (updates.measured, updates.verdict) == ("2 of 3 (late: Business)", "missed")
    gates = lines["Gates"]
    assert (gates.measured, gates.verdict) == (
        "contained passed, resolved overridden (D-4)",
        "missed",
    )
    clean = {line.label: line for line in debrief(facts(gates=(("contained", None),)), TARGETS)}
    assert clean["Gates"].verdict == "met"


def test_updates_on_schedule_count_a_long_final_silence_as_missed() -> None:
    every, grace = minutes(30), minutes(5)
    # 09:20 (on time), 09:56 (36m after: late), then silent until 10:40 (44m: one missed).
    assert on_schedule([at(20), at(56)], START, every, grace, at(100)) == [True, False, False]
    assert on_schedule([at(35)], START, every, grace, at(50)) == [True]  # within the grace
    assert on_schedule([], START, None, grace, at(500)) == []  # no cadence: nothing is late


def test_drill_channels_are_named_drill_n() -> None:
    assert (
        incident_channel_name(7, "Fraud precision drop", drill=True)
        == "drill-7-fraud-precision-drop"
    )
    assert incident_channel_name(7, "🔥", 2, drill=True) == "drill-7-2"
    assert incident_channel_name(7, "Fraud precision drop") == "inc-7-fraud-precision-drop"
