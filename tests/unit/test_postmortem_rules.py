"""The post-mortem's pure rules: on time or not, time to decide, and text shown as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.postmortem import on_time, time_to_decide
from app.rendering.postmortem import md, who

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=48)


def test_on_time_is_known_once_done_or_overdue() -> None:
    assert on_time(DUE, DUE, DUE + timedelta(days=9)) is True  # done at the due time
    assert on_time(DUE, DUE + timedelta(seconds=1), DUE + timedelta(days=9)) is False
    assert on_time(DUE, None, DUE) is None  # not done, not overdue yet
    assert on_time(DUE, None, DUE + timedelta(seconds=1)) is False
    assert on_time(None, None, DUE) is None  # none required (exempt)


def test_time_to_decide_counts_only_decisions_made() -> None:
    made = T0 + timedelta(minutes=7)
    assert time_to_decide(T0, made, "decided") == timedelta(minutes=7)
    assert time_to_decide(T0, made, "closed") is None
    assert time_to_decide(T0, None, "pending") is None


def test_typed_text_cannot_become_markup() -> None:
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("# heading\n| a | b |") == "\\# heading \\| a \\| b \\|"
    assert md("**bold** [link](http://x)") == "\\*\\*bold\\*\\* \\[link\\](http://x)"
    assert who("U0ALICE01") == "@U0ALICE01" and who("alert:grafana") == "alert (grafana)"
