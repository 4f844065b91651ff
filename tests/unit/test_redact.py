"""Tokens never reach a log line or a database column."""

from app.domain.text import redact


def test_every_kind_of_slack_token_is_redacted() -> None:
    text = (
        "headers={'Authorization': 'Bearer xoxb-1234-5678-AbCdEf'} app=xapp-1-A0APP-99-ff "
        "user=xoxp-9-8-7 legacy=xoxs-abc"
    )
    cleaned = redact(text)
    assert "xox" not in cleaned and "xapp-" not in cleaned
    assert cleaned.count("[redacted]") == 4
    assert cleaned.startswith("headers={'Authorization': 'Bearer [redacted]'}")


def test_text_without_tokens_is_unchanged() -> None:
    text = "channel_not_found (xoxo is not a token; nor is box-xoxb)"
    assert redact(text) == text
