from datetime import timedelta

import pytest

from app.domain.durations import format_duration, humanize, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 2H ", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
    ],
)
def test_parses_operator_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "30 minutes", "1h30", "m30", "0m", "-5m"])
def test_rejects_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match=r"45s, 30m, 1h or 1h30m|longer than zero"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["91d", "99999999999d", "9" * 5000 + "s", "89d24h1s"])
def test_caps_durations_at_ninety_days(text: str) -> None:
    with pytest.raises(ValueError, match="too long; at most 90d") as refused:
        parse_duration(text)
    assert len(str(refused.value)) < 100  # a huge input is not echoed back whole


def test_ninety_days_is_allowed() -> None:
    assert parse_duration("90d") == timedelta(days=90)
    assert parse_duration("0000000000001m") == timedelta(minutes=1)


def test_format_is_the_inverse_of_parse() -> None:
    for text in ["45s", "30m", "1h30m", "1d2h"]:
        assert format_duration(parse_duration(text)) == text


def test_humanize_reads_well() -> None:
    assert humanize(timedelta(seconds=20)) == "<1m"
    assert humanize(timedelta(minutes=4)) == "4m"
    assert humanize(timedelta(minutes=125)) == "2h 5m"
    assert humanize(timedelta(hours=2)) == "2h"
    assert humanize(timedelta(days=3, hours=4)) == "3d 4h"
