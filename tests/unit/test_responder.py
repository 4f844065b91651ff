"""Replies go only to response_urls on Slack's own host."""

import pytest

from app.slack.responder import Responder


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/secret", True),
        ("https://HOOKS.slack.com:443/actions/T1/2/secret", True),
        ("http://hooks.slack.com/commands/T1/2/secret", False),  # never in the clear
        ("https://hooks.slack.com.evil.example/commands/T1/2/secret", False),
        ("https://hooks.slack.com@evil.example/commands/T1/2/secret", False),
        ("https://evil.example/?https://hooks.slack.com/", False),
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_only_slacks_host_is_allowed(url: str, allowed: bool) -> None:
    assert Responder().allows(url) is allowed


def test_configured_hosts_replace_slacks() -> None:
    responder = Responder(frozenset({"127.0.0.1"}))
    assert responder.allows("http://127.0.0.1:4000/commands/T1/2/secret")
    assert not responder.allows("https://hooks.slack.com/commands/T1/2/secret")
