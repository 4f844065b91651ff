"""Every per-incident number against values worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.metrics import (
    NOT_RECORDED,
    DecisionFacts,
    IncidentFacts,
    IncidentNumbers,
    Move,
    UpdateFacts,
    incident_numbers,
    parse_move,
    summarise,
    summarise_seconds,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # declared
GRACE = timedelta(minutes=5)
AUDIENCES = ["technical", "business", "executive"]
MIN_RANK = {"technical": 3, "business": 1, "executive": 0}  # sev1 is rank 0


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def applies(audience: str, severity: str) -> bool:
    return int(severity[-1]) - 1 <= MIN_RANK[audience]


def facts(**changes: object) -> IncidentFacts:
    base: dict[str, object] = {
        "incident_id": 7,
        "severity": "sev2",
        "status": "resolved",
        "drill": False,
        "declared_at": T0,
        "detected_at": at(-12),
        "started_at": at(-42),
        "milestones": {"contained": at(50), "resolved": at(130)},
        "status_moves": [
            Move(at(50), "investigating", "contained"),
            Move(at(130), "contained", "resolved"),
        ],
    }
    base.update(changes)
    return IncidentFacts(**base)  # type: ignore[arg-type]


def numbers(f: IncidentFacts, now: datetime | None = None) -> IncidentNumbers:
    return incident_numbers(f, AUDIENCES, applies, GRACE, now or at(600))


def test_detect_declare_contain_resolve() -> None:
    n = numbers(facts())
    assert n.time_to_detect == mins(30)  # started 8:18, detected 8:48
    assert n.time_to_declare == mins(12)  # detected 8:48, declared 9:00
    assert n.time_to_contain == mins(50)
    assert n.time_to_resolve == mins(130)
    assert n.resolved and not n.reopened


def test_unknown_start_means_unknown_time_to_detect() -> None:
    n = numbers(facts(started_at=None))
    assert n.time_to_detect is None
    assert n.time_to_declare == mins(12)


def test_contained_is_the_first_status_at_or_past_contained() -> None:
    """Moved straight from investigating to remediating, then resolved: contained at 40."""
    f = facts(milestones={"remediating": at(40), "resolved": at(90)})
    assert numbers(f).time_to_contain == mins(40)
    still_investigating = facts(status="investigating", milestones={}, status_moves=[])
    assert numbers(still_investigating).time_to_contain is None
    assert numbers(still_investigating).time_to_resolve is None


def test_time_to_each_decision_only_once_made() -> None:
    f = facts(
        decisions=[
            DecisionFacts(1, at(10), at(22)),
            DecisionFacts(2, at(30), None),  # still pending (or closed without a decision)
            DecisionFacts(3, at(31), at(31.5)),
        ]
    )
    assert numbers(f).time_to_decide == {1: mins(12), 3: mins(0.5)}


def test_updates_on_schedule_with_the_grace() -> None:
    f = facts(
        updates=[
            UpdateFacts(at(30), {"business": at(30)}),  # on time
            UpdateFacts(at(65), {"business": at(60)}),  # 5 min late: inside the grace
            UpdateFacts(at(101), {"business": at(95)}),  # 6 min late: off schedule
        ]
    )
    business = numbers(f).audiences["business"]
    assert (business.updates, business.on_schedule, business.scheduled) == (3, 2, 3)
    assert business.share_on_schedule == 2 / 3


def test_updates_with_nothing_due_count_and_unrecorded_ones_do_not() -> None:
    f = facts(
        updates=[
            UpdateFacts(at(20), {"technical": None}),  # nothing was due
            UpdateFacts(at(40), {"technical": NOT_RECORDED}),  # before due times were kept
        ]
    )
    technical = numbers(f).audiences["technical"]
    assert (technical.updates, technical.on_schedule, technical.scheduled) == (2, 1, 1)
    only_old = numbers(facts(updates=[UpdateFacts(at(40), {"technical": NOT_RECORDED})]))
    assert only_old.audiences["technical"].on_schedule is None


def test_longest_silence_from_declaration_between_updates_and_to_resolution() -> None:
    f = facts(
        updates=[
            UpdateFacts(at(25), {"business": at(30)}),
            UpdateFacts(at(50), {"business": at(55)}),
            UpdateFacts(at(85), {"business": at(80)}),
        ]
    )
    n = numbers(f)
    # gaps: 0→25, 25→50, 50→85 (35), 85→130 (45: until resolution)
    assert n.audiences["business"].longest_silence == mins(45)
    # technical got no update at all: silent from declaration to resolution
    assert n.audiences["technical"].longest_silence == mins(130)
    # a sev2 incident never owed the executives anything
    assert "executive" not in n.audiences


def test_an_open_incident_is_silent_until_now() -> None:
    f = facts(status="contained", milestones={"contained": at(50)}, status_moves=[])
    f = IncidentFacts(**{**f.__dict__, "updates": [UpdateFacts(at(20), {"technical": at(30)})]})
    n = numbers(f, now=at(200))
    assert n.audiences["technical"].longest_silence == mins(180)
    assert not n.resolved


def test_reopened_incident_uses_first_milestones_and_skips_the_resolved_stretch() -> None:
    """Resolved at 130, reopened at 200, resolved again at 260."""
    f = facts(
        milestones={"contained": at(50), "resolved": at(130), "investigating": T0},
        status_moves=[
            Move(at(50), "investigating", "contained"),
            Move(at(130), "contained", "resolved"),
            Move(at(200), "resolved", "investigating"),
            Move(at(260), "investigating", "resolved"),
        ],
        updates=[UpdateFacts(at(100), {"technical": at(60)}), UpdateFacts(at(215), {})],
    )
    n = numbers(f)
    assert n.reopened and n.resolved
    assert n.time_to_contain == mins(50)
    assert n.time_to_resolve == mins(130)  # the first resolution
    # technical: 0→100, 100→130, then owed again from 200: 200→260 (no update for it at 215)
    assert n.audiences["technical"].longest_silence == mins(100)
    assert n.audiences["technical"].on_schedule == 0  # 40 minutes late


def test_severity_change_mid_incident() -> None:
    """Declared sev3, raised to sev1 at 40, lowered to sev2 at 100, resolved at 130."""
    f = facts(
        severity="sev2",
        severity_moves=[Move(at(40), "sev3", "sev1"), Move(at(100), "sev1", "sev2")],
        updates=[
            UpdateFacts(at(45), {"executive": at(40), "business": at(40)}),
            UpdateFacts(at(80), {"executive": at(75), "business": at(75)}),
        ],
    )
    n = numbers(f)
    assert n.severity == "sev2"  # grouped by the severity at resolution
    # executives were owed updates from 40 to 100 only: 40→45, 45→80, 80→100
    assert n.audiences["executive"].longest_silence == mins(35)
    assert n.audiences["executive"].on_schedule == 2
    # business from 40 (sev1) on, still at sev2: 40→45, 45→80, 80→130 (50)
    assert n.audiences["business"].longest_silence == mins(50)


def test_an_update_due_before_its_audience_was_owed_counts_from_the_raise() -> None:
    """Raised to sev1 at 75: the executives' update is due since 30 by the cadence's count
    (from the declaration), sent at 75; it is on time, and one sent at 81 is late."""
    raised = [Move(at(75), "sev2", "sev1")]
    on_time = facts(severity_moves=raised, updates=[UpdateFacts(at(75), {"executive": at(30)})])
    late = facts(severity_moves=raised, updates=[UpdateFacts(at(81), {"executive": at(30)})])
    assert numbers(on_time).audiences["executive"].on_schedule == 1
    assert numbers(late).audiences["executive"].on_schedule == 0


def test_parse_move_reads_the_lifecycle_log() -> None:
    move = parse_move("Status resolved → investigating: precision regressed", T0, "Status")
    assert move == Move(T0, "resolved", "investigating")
    assert parse_move("Severity SEV3 → SEV1: revenue", T0, "Severity") == Move(T0, "sev3", "sev1")
    assert parse_move("Commander is now someone", T0, "Status") is None


def test_summarise_mean_and_median() -> None:
    s = summarise([mins(10), None, mins(40), mins(20), mins(30)])
    assert (s.count, s.mean, s.median) == (4, mins(25), mins(25))
    odd = summarise([mins(1), mins(9), mins(2)])
    assert (odd.mean, odd.median) == (mins(4), mins(2))
    assert summarise([None]).mean is None
    seconds = summarise_seconds([600.0, 2400.0, 1200.0, 1800.0])
    assert (seconds.count, seconds.mean, seconds.median) == (4, mins(25), mins(25))
