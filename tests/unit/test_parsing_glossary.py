"""`/incident glossary …` parsed: lookups, and adding a term with its definition and flags."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.slack.parsing_glossary import AddGlossaryTerm, ShowGlossary, parse_glossary


def parse(text: str) -> ShowGlossary | AddGlossaryTerm:
    return parse_glossary(text, "U0ALICE01")


def test_a_lookup_or_the_listing() -> None:
    assert parse("") == ShowGlossary(None)
    assert parse("  feature   store ") == ShowGlossary("feature store")
    assert parse("&lt;b&gt;") == ShowGlossary("<b>")  # Slack's escaping undone: plain text


@pytest.mark.parametrize(
    ("text", "term", "definition"),
    [
        ("add PSI how far the inputs moved", "PSI", "how far the inputs moved"),
        ('add "shadow mode" runs beside the live one', "shadow mode", "runs beside the live one"),
        ("add “shadow mode” curly quotes", "shadow mode", "curly quotes"),
        ("add shadow mode: runs beside: unused", "shadow mode", "runs beside: unused"),
        (
            "add PSI a long definition that has a colon: late",
            "PSI",
            "a long definition that has a colon: late",
        ),
    ],
)
def test_the_term_is_quoted_ended_by_a_colon_or_the_first_word(
    text: str, term: str, definition: str
) -> None:
    assert parse(text) == AddGlossaryTerm(term, definition)


def test_aliases_and_why_come_after_the_definition() -> None:
    parsed = parse(
        'add canary small release first --aliases "canary release, canary deploy" --why=limits harm'
    )
    assert parsed == AddGlossaryTerm(
        "canary", "small release first", ("canary release", "canary deploy"), "limits harm"
    )
    assert parse("add x y --why quoted | fine --aliases a|b") == AddGlossaryTerm(
        "x", "y", ("a", "b"), "quoted | fine"
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("add", "Give the term, then its plain-words definition"),
        ("add PSI", "Give the term, then its plain-words definition"),
        ('add "PSI" --why x', "Give the term, then its plain-words definition"),
        ("add " + "t" * 61 + " definition", "is 61 characters; keep a term or alias to 60"),
        ("add PSI " + "d" * 501, "The definition is 501 characters; keep it to 500"),
        ("add PSI d --why " + "w" * 301, "`--why` is 301 characters; keep it to 300"),
        ("add PSI d --aliases " + ",".join("abcdefghijk"), "11 aliases; at most 10"),
        ("add x y --aliases " + "&lt;b&gt;" * 30, "`&lt;b&gt;&lt;b&gt;"),  # typed <b>, escaped back
    ],
)
def test_what_cannot_be_added_is_said(text: str, complaint: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse(text)
    assert complaint in raised.value.message
