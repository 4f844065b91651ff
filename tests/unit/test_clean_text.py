"""Text as it comes in: control characters and bidirectional overrides never get further."""

import pytest

from app.domain.text import clean_text


@pytest.mark.parametrize(
    ("typed", "one_line", "multiline"),
    [
        ("NUL\x00 in it", "NUL in it", "NUL in it"),
        ("bell\x07 escape\x1b[0m del\x7f c1\x9b", "bell escape[0m del c1", "bell escape[0m del c1"),
        ("tab\there", "tab here", "tab here"),
        ("two\r\nlines\rand\u2028more", "two lines and more", "two\nlines\nand\nmore"),
        ("pay \u202eexe.fdp\u202c", "pay exe.fdp", "pay exe.fdp"),
        ("\u2066isolate\u2069 \u200emark\u200f \u061c", "isolate mark ", "isolate mark "),
        ("lone \ud800surrogate", "lone surrogate", "lone surrogate"),
        ("émoji 👩‍💻 and ‹quotes›", "émoji 👩‍💻 and ‹quotes›", "émoji 👩‍💻 and ‹quotes›"),
    ],
)
def test_clean_text(typed: str, one_line: str, multiline: str) -> None:
    assert clean_text(typed) == one_line
    assert clean_text(typed, multiline=True) == multiline
