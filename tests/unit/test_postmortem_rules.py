"""The post-mortem's pure rules: update rhythm per audience, and text shown as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.postmortem import SeverityChange, audience_updates, severity_at
from app.rendering.postmortem import md, who

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


HISTORY = [SeverityChange(T0, "sev3", "U1"), SeverityChange(minutes(50), "sev1", "U1")]
EVERY = {"sev1": timedelta(minutes=30), "sev3": timedelta(hours=1), "sev4": None}


def rhythm(moment: datetime) -> timedelta | None:
    return EVERY[severity_at(HISTORY, moment)]


def test_severity_in_force_changes_at_each_change() -> None:
    assert severity_at(HISTORY, minutes(49)) == "sev3"
    assert severity_at(HISTORY, minutes(50)) == "sev1"


def test_updates_on_schedule_follow_the_severity_in_force_and_the_grace() -> None:
    # sev3 (1h) from the declaration: due 03:00, sent 03:04 (within 5m grace): on schedule.
    # Then sev1 (30m) since 02:50: due 03:34, sent 03:45: late. Due 04:15, sent 04:20: on time.
    sent = [minutes(64), minutes(105), minutes(140)]
    stats = audience_updates(
        "business",
        sent,
        declared_at=T0,
        ended_at=minutes(200),
        rhythm=rhythm,
        grace=timedelta(minutes=5),
    )
    assert (stats.count, stats.on_schedule) == (3, 2)
    assert stats.longest_silence == timedelta(minutes=64)  # 02:00 → 03:04 (end: 60 after last)


def test_no_rhythm_means_no_schedule_and_silence_runs_to_the_end() -> None:
    stats = audience_updates(
        "technical",
        [],
        declared_at=T0,
        ended_at=minutes(90),
        rhythm=lambda _: None,
        grace=timedelta(0),
    )
    assert (stats.count, stats.on_schedule) == (0, None)
    assert stats.longest_silence == timedelta(hours=1.5)


def test_typed_text_cannot_become_markup() -> None:
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("# heading\n| a | b |") == "\\# heading \\| a \\| b \\|"
    assert md("**bold** [link](http://x)") == "\\*\\*bold\\*\\* \\[link\\](http://x)"
    assert who("U0ALICE01") == "@U0ALICE01" and who("alert:grafana") == "alert (grafana)"
