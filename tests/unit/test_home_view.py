"""The App Home stays within Slack's 100 blocks however many incidents are active."""

from datetime import UTC, datetime, timedelta

from app.config import WarroomConfig
from app.services.home import HomeData, HomeDecision, HomeIncident
from app.slack.blocks.home import home_view

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SCALE = WarroomConfig().severity_scale()


def incidents(count: int) -> list[HomeIncident]:
    severities = list(SCALE)
    return [
        HomeIncident(
            n,
            f"Model incident <!channel> {n}",
            severities[n % 4],
            "Investigating",
            "U0ALICE01",
            f"C{n:08d}",
            NOW - timedelta(minutes=n),
            NOW + timedelta(minutes=30 - n % 60),
            private=False,
        )
        for n in range(1, count + 1)
    ]


def test_a_quiet_home() -> None:
    view = home_view(HomeData("U0DANA001", NOW, []))
    text = str(view)
    assert view["type"] == "home" and "No active incidents" in text and "none" in text


def test_many_incidents_are_summarised_not_overflowed() -> None:
    data = HomeData(
        "U0DANA001",
        NOW,
        incidents(2000),
        [],
        [HomeDecision("INC-1", "C00000001", "D-1", "Roll back?", NOW)],
    )
    view = home_view(data)
    assert len(view["blocks"]) <= 100
    text = str(view)
    assert "Active incidents (2000)" in text and "more SEV1 incidents" in text
    assert "<!channel>" not in text
    for block in view["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= 3000


def test_two_hundred_incidents_all_fit() -> None:
    view = home_view(HomeData("U0DANA001", NOW, incidents(200)))
    text = str(view)
    assert len(view["blocks"]) <= 100 and "more" not in text
    assert all(f"*INC-{n}*" in text for n in (1, 100, 200))
    assert ":warning: *overdue*" in text  # some next updates are already past


def test_my_action_items_overdue_first_within_the_block_budget() -> None:
    from app.services.action_items import OwnedItem

    owned = [
        OwnedItem(f"INC-{n}", f"C{n:08d}" if n % 2 else None, "A-1", f"Fix <!channel> {n}", due)
        for n, due in enumerate(
            [NOW - timedelta(days=3)] + [NOW + timedelta(days=d) for d in range(1, 13)], start=1
        )
    ]
    data = HomeData("U0DANA001", NOW, incidents(2000), [], [], owned)
    view = home_view(data)
    assert len(view["blocks"]) <= 100
    [section] = [b for b in view["blocks"] if "My action items" in str(b)]
    text = section["text"]["text"]
    assert text.count("• *A-1*") == 12 and "`/incident actions INC-n`" in text  # 13th: "more"
    assert text.index("Fix &lt;!channel&gt; 1") < text.index(":warning: *overdue*")
    assert text.count("overdue") == 1 and "<!channel>" not in text


def test_no_action_items_no_section() -> None:
    assert "My action items" not in str(home_view(HomeData("U0DANA001", NOW, [])))
