"""`warroom report` as operators run it, on a database seeded with incidents whose numbers
are known: each format, the period, drills apart, votes, and what is not tracked yet."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from app.persistence.engine import make_engine
from app.persistence.tables import (
    ActionItem,
    AffectedSystem,
    Decision,
    Incident,
    StatusMilestone,
    StatusUpdate,
    TimelineEntry,
    UpdateVote,
)
from tests.test_cli import run

CONFIG = """
business_functions:
  risk: {name: "Fraud & risk"}
  retention: {name: "Retention offers"}
catalog:
  fs-online: {kind: feature_store}
  fraud-scorer: {kind: model, depends_on: [fs-online], serves: [risk]}
  churn-model: {kind: model, serves: [retention]}
"""


def incident(session: Session, severity: str, days_ago: float, contain: float, **kw: object) -> int:
    """An incident declared `days_ago`, contained after `contain` minutes, resolved 60 later."""
    declared = datetime.now(UTC) - timedelta(days=days_ago)
    row = Incident(
        title="Precision down",
        severity=severity,
        status="resolved",
        declared_by="U0ALICE01",
        declared_at=declared,
        updated_at=declared,
        detected_at=declared - timedelta(minutes=10),
        started_at=declared - timedelta(minutes=40),
        **kw,  # type: ignore[arg-type]
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    contained = declared + timedelta(minutes=contain)
    resolved = contained + timedelta(minutes=60)
    for status, at in (("contained", contained), ("resolved", resolved)):
        session.add(StatusMilestone(incident_id=row.id, status=status, reached_at=at))
    session.add(
        TimelineEntry(
            incident_id=row.id,
            at=resolved,
            actor="U0ALICE01",
            kind="status",
            text="Status contained → resolved: fixed",
        )
    )
    return row.id


@pytest.fixture
def seeded(tmp_path: Path) -> dict[str, str]:
    database = tmp_path / "report.db"
    env = {"WARROOM_DATABASE_URL": f"sqlite:///{database}"}
    (tmp_path / "warroom.yaml").write_text(CONFIG)
    env["WARROOM_CONFIG"] = str(tmp_path / "warroom.yaml")
    assert run("db", "upgrade", env=env).returncode == 0
    engine = make_engine(env["WARROOM_DATABASE_URL"])
    with Session(engine) as session:
        first = incident(session, "sev1", 10, contain=30)
        second = incident(session, "sev2", 20, contain=90)
        incident(session, "sev2", 200, contain=500)  # outside 90 days
        drill = incident(session, "sev1", 5, contain=7, drill=True)
        asked = datetime.now(UTC) - timedelta(days=10)
        session.add(
            AffectedSystem(incident_id=first, system="fs-online", added_by="U0A", added_at=asked)
        )
        session.add(
            AffectedSystem(incident_id=second, system="churn-model", added_by="U0A", added_at=asked)
        )
        session.add(
            Decision(
                incident_id=first,
                number=1,
                question="Roll back?",
                owner="U0A",
                asked_by="U0A",
                asked_at=asked,
                due_at=asked,
                status="decided",
                decided_at=asked + timedelta(minutes=8),
            )
        )
        on_time = StatusUpdate(
            incident_id=first,
            at=asked + timedelta(minutes=31),
            author="warroom",
            audiences=["business"],
            due={"business": (asked + timedelta(minutes=30)).isoformat()},
        )
        late = StatusUpdate(
            incident_id=first,
            at=asked + timedelta(minutes=75),
            author="warroom",
            audiences=["business"],
            due={"business": (asked + timedelta(minutes=61)).isoformat()},
        )
        drill_update = StatusUpdate(incident_id=drill, at=asked, author="w", audiences=["business"])
        for n, (due, done) in enumerate([(-1, None), (5, None), (3, 2)], 1):  # overdue, open, done
            session.add(
                ActionItem(
                    incident_id=first,
                    number=n,
                    text=f"item {n}",
                    owner="U0A",
                    created_by="U0A",
                    created_at=asked,
                    due_at=asked + timedelta(days=10 + due),
                    status="done" if done else "open",
                    done_at=asked + timedelta(days=done) if done else None,
                )
            )
        session.add_all([on_time, late, drill_update])
        session.flush()
        for user, useful in (("U1", True), ("U2", True), ("U3", False)):
            session.add(
                UpdateVote(
                    update_id=on_time.id,
                    audience="business",
                    user_id=user,
                    incident_id=first,
                    useful=useful,
                    at=asked,
                )
            )
        session.add(
            UpdateVote(
                update_id=drill_update.id,
                audience="business",
                user_id="U1",
                incident_id=drill,
                useful=False,
                at=asked,
            )
        )
        session.commit()
    engine.dispose()
    return env


def row_of(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label + " "))


def test_text_report_by_severity_function_and_system_with_drills_apart(
    seeded: dict[str, str],
) -> None:
    result = run("report", env=seeded)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2 incidents, 1 drills" in out  # the one from 200 days ago is outside 90d
    incidents, drills = out.split("== Drills ==")
    # contain: 30 and 90 → mean 1h, median 1h; detect 30m, declare 10m; decide 8m
    overall = row_of(incidents.split("Overall")[1], "all")
    assert re.search(r"\b2\s+0\s+30m / 30m\s+10m / 10m\s+1h / 1h\s+2h / 2h\s+8m / 8m", overall)
    assert "30m / 30m" in row_of(incidents.split("By severity")[1], "sev1").split("10m / 10m")[1]
    assert "1h 30m / 1h 30m" in row_of(incidents.split("By severity")[1], "sev2")
    # fs-online is upstream of fraud-scorer: the incident reached Fraud & risk
    functions = incidents.split("By business function")[1]
    assert "30m / 30m" in row_of(functions, "Fraud & risk")
    assert "1h 30m" in row_of(functions, "Retention offers")
    assert row_of(incidents.split("By system")[1], "fs-online")
    business = row_of(incidents.split("Updates per audience")[1], "business")
    assert "50% (1/2)" in business and "2 👍 1 👎" in business
    assert "7m / 7m" in row_of(drills.split("Overall")[1], "all")
    assert "0 👍 1 👎" in row_of(drills.split("Updates per audience")[1], "business")
    # The postmortems table exists (none of these seeded incidents has one due yet).
    assert "Post-mortems: 0 of 0 on time" in out
    assert "Action items: 3 opened, 1 done, 1 overdue" in out


def test_since_widens_the_period_and_refuses_a_bad_duration(seeded: dict[str, str]) -> None:
    wide = run("report", "--since", "365d", env=seeded)
    assert "3 incidents, 1 drills" in wide.stdout
    bad = run("report", "--since", "ninety days", env=seeded)
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr


def test_csv_report_has_one_number_per_row(seeded: dict[str, str]) -> None:
    result = run("report", "--format", "csv", env=seeded)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    contain = next(
        r
        for r in rows
        if (r["section"], r["grouping"], r["group"], r["metric"])
        == ("Incidents", "By severity", "sev2", "time_to_contain")
    )
    assert (contain["count"], contain["mean_minutes"], contain["median_minutes"]) == (
        "1",
        "90.0",
        "90.0",
    )
    votes = {
        r["metric"]: r["count"]
        for r in rows
        if r["section"] == "Incidents" and r["group"] == "business"
    }
    assert votes["votes_useful"] == "2" and votes["votes_not_useful"] == "1"
    assert votes["updates_on_schedule"] == "1" and votes["updates_with_due_time"] == "2"


def test_html_report_is_one_file_with_inline_charts_and_nothing_fetched(
    seeded: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "q3.html"
    result = run("report", "--format", "html", "--out", str(out), env=seeded)
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert page.count("<svg") == 2
    assert "<script" not in page and "src=" not in page and "href=" not in page
    assert "url(" not in page and "@import" not in page
    bars = re.findall(r"<title>(\d{4}-\d\d-\d\d) (sev\d): (\d+)</title>", page)
    assert sorted((s, int(n)) for _, s, n in bars) == [("sev1", 1), ("sev2", 1)]
    assert "Fraud &amp; risk" in page


def test_a_database_behind_this_version_is_named_not_a_traceback(
    seeded: dict[str, str],
) -> None:
    engine = make_engine(seeded["WARROOM_DATABASE_URL"])
    with engine.begin() as connection:  # as if the two newest migrations had not run yet
        connection.exec_driver_sql("DROP TABLE status_posts")
        connection.exec_driver_sql("DROP TABLE incident_numbers")  # the report reads this one
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0021'")
    engine.dispose()
    behind = run("report", env=seeded)
    assert behind.returncode == 1 and "Traceback" not in behind.stderr
    assert "run `warroom db upgrade`" in behind.stderr
    assert run("db", "upgrade", env=seeded).returncode == 0
    assert run("report", env=seeded).returncode == 0
