"""Action items: the rules, the words of `/incident action`, the configuration, and the read
functions other parts use (items_of, counts) over a real migrated SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import ConfigError, WarroomConfig, parse_config
from app.domain import action_items as rules
from app.domain.errors import InvalidInput
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import Incident
from app.services import action_items
from app.services.context import ServiceContext
from app.slack import parsing as p
from app.slack import parsing_actions as words
from tests.harness import FakeClock

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CONFIG = WarroomConfig()
PARSER = p.CommandParser(CONFIG.severity_scale(), CONFIG.role_catalog())
ME = "U0ME00001"


def parse(text: str) -> p.Command:
    return PARSER.parse(text, ME)


# --- rules ----------------------------------------------------------------------------------


def test_refs_read_in_any_case_with_or_without_the_dash() -> None:
    assert [rules.parse_ref(t) for t in ("A-2", "a2", " a-12 ", "D-2", "A-", "A-x")] == [
        2,
        2,
        12,
        None,
        None,
        None,
    ]


def test_reminders_are_weekly_from_the_due_date_never_a_burst() -> None:
    due = T0
    assert rules.next_reminder(due, due) == due + timedelta(days=7)
    late = due + timedelta(days=30)  # the scheduler was down a month
    assert rules.next_reminder(due, late) == late + timedelta(days=7)


def test_overdue_only_while_open() -> None:
    assert rules.is_overdue("open", T0, T0)
    assert not rules.is_overdue("open", T0, T0 - timedelta(seconds=1))
    assert not rules.is_overdue("done", T0, T0 + timedelta(days=9))


# --- words ----------------------------------------------------------------------------------


def test_recording_with_every_flag_in_any_place() -> None:
    parsed = parse(
        "action --kind Detect Alert on <!here> &amp; PSI --owner <@U0DANA001|dana> --due 14d"
    )
    assert parsed == words.RecordAction(
        "Alert on @here & PSI", "U0DANA001", timedelta(days=14), "detect"
    )
    assert parse("action Fix the join --owner me") == words.RecordAction("Fix the join", ME)


def test_by_incident_reference_from_anywhere() -> None:
    assert parse("action INC-42 Fix the join") == words.RecordAction("Fix the join", incident=42)
    assert parse("action inc42 A-2 done alert live in prod") == words.CloseAction(
        2, "alert live in prod", 42
    )
    assert parse("actions INC-7") == words.ListActions(7)
    assert parse("actions") == words.ListActions(None)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("action", "Say what should be done"),
        ("action   --due 3d", "Say what should be done"),
        ("action Fix --due tomorrow", "not a duration"),
        ("action Fix --due 0d", "longer than zero"),
        ("action Fix --kind blame", "`--kind` is one of"),
        ("action Fix --owner <#C1|general>", "`--owner` takes a person"),
        ("action Fix --owner", "I don't know `--owner`"),
        ("action A-2 done", "Say how it was verified"),
        ("action A-2 finished", "done <how it was verified"),
        ("action " + "x" * 301, "under 300"),
        ("actions A-1", "lists this incident"),
    ],
)
def test_mistakes_say_what_would_work(text: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=hint):
        parse(text)


def test_help_documents_the_commands_one_line_each() -> None:
    documented = [usage for usage, _ in p.USAGE]
    assert any(u.startswith("action [INC-n] <text>") for u in documented)
    assert any(u.startswith("actions") for u in documented)
    assert any("done <how it was verified>" in u for u in documented)


# --- configuration --------------------------------------------------------------------------


def test_due_dates_by_severity_configured_or_built_in() -> None:
    config = parse_config({"action_items": {"due": {"sev1": "3d", "sev4": "90d"}}})
    assert config.action_item_due("sev1") == timedelta(days=3)
    assert config.action_item_due("sev2") == timedelta(days=14)
    assert config.action_item_due("sev4") == timedelta(days=90)
    renamed = parse_config({"severities": {"p1": {"label": "Outage"}, "p2": {"label": "Slow"}}})
    assert renamed.action_item_due("p2") == timedelta(days=14)  # by rank


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"action_items": {"due": {"sev9": "7d"}}}, "action_items.due.sev9: not one of"),
        ({"action_items": {"due": {"sev1": "soon"}}}, "action_items.due.sev1"),
        ({"action_items": {"due": {"sev1": "400d"}}}, "too long"),
        ({"action_items": {"remind": "1d"}}, "action_items.remind: unknown key"),
    ],
)
def test_a_bad_configuration_names_the_key(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_config(raw)


# --- reading, for metrics and the post-mortem -----------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    engine = make_engine(f"sqlite:///{tmp_path / 'items.db'}")
    upgrade(engine)
    yield ServiceContext(Database(engine), WarroomConfig(), FakeClock(T0))
    engine.dispose()


def _incident(ctx: ServiceContext, *, drill: bool = False) -> int:
    with ctx.db.transaction() as session:
        incident = Incident(
            title="Drift",
            severity="sev2",
            declared_by="U0ALICE01",
            declared_at=T0,
            updated_at=T0,
            drill=drill,
        )
        session.add(incident)
        session.flush()
        return incident.id or 0


def test_items_of_and_counts_over_a_period(ctx: ServiceContext) -> None:
    real, drill = _incident(ctx), _incident(ctx, drill=True)
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    old = action_items.record(
        ctx, action_items.Where("", real), action_items.NewItem("Old follow-up", "U0ALICE01")
    )
    clock.advance(timedelta(days=40))
    since = clock.now()
    for text, due in [("Alert on nulls", timedelta(days=2)), ("Runbook", timedelta(days=20))]:
        action_items.record(
            ctx, action_items.Where("", real), action_items.NewItem(text, "U0ALICE01", due_in=due)
        )
    action_items.record(
        ctx, action_items.Where("", drill), action_items.NewItem("Drill item", "U0ALICE01")
    )
    clock.advance(timedelta(days=5))
    action_items.close(ctx, action_items.Where("", real), 3, "runbook used in a drill", "U0ALICE01")
    now = clock.now()

    with ctx.db.read() as session:
        listed = action_items.items_of(session, real)
        assert [(i.ref, i.text, i.status) for i in listed] == [
            ("A-1", "Old follow-up", "open"),
            ("A-2", "Alert on nulls", "open"),
            ("A-3", "Runbook", "done"),
        ]
        assert listed[2].verification == "runbook used in a drill"
        # Opened since; done since: A-3; overdue now: A-1 (14d) and A-2 (2d).
        assert action_items.counts(session, since, now) == rules.Counts(2, 1, 2)
        assert action_items.counts(session, since, now, drills=True) == rules.Counts(1, 0, 0)
        assert action_items.counts(session, old.created_at, now).opened == 3
