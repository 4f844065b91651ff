"""Slack's request signature, checked against Slack's published test vector."""

from __future__ import annotations

import pytest

from app.slack.signatures import BadSignature, verify
from tests.test_fake_slack import SLACK_VECTOR_BODY

SECRET = b"8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = 1531420618
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_slacks_published_vector_verifies_within_the_window_either_way() -> None:
    for now in (TIMESTAMP, TIMESTAMP - 300, TIMESTAMP + 300):
        verified = verify(SECRET, str(TIMESTAMP), SIGNATURE, SLACK_VECTOR_BODY, now=now)
        assert (verified.timestamp, verified.value) == (TIMESTAMP, SIGNATURE)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "reason"),
    [
        (str(TIMESTAMP), SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP + 301, "away from now"),
        (str(TIMESTAMP), SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP - 301, "away from now"),
        (str(TIMESTAMP), SIGNATURE, SLACK_VECTOR_BODY + b"&x=1", TIMESTAMP, "does not match"),
        (str(TIMESTAMP), SIGNATURE.upper(), SLACK_VECTOR_BODY, TIMESTAMP, "does not match"),
        (str(TIMESTAMP + 1), SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP, "does not match"),
        (f" {TIMESTAMP}", SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP, "not a number"),
        ("1.5e9", SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP, "not a number"),
        ("١٥٣١٤٢٠٦١٨", SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP, "not a number"),  # Arabic digits
        (None, SIGNATURE, SLACK_VECTOR_BODY, TIMESTAMP, "not signed"),
        (str(TIMESTAMP), "", SLACK_VECTOR_BODY, TIMESTAMP, "not signed"),
        (str(TIMESTAMP), "v0=ä" + SIGNATURE[4:], SLACK_VECTOR_BODY, TIMESTAMP, "does not match"),
    ],
)
def test_anything_else_is_refused_with_a_reason(
    timestamp: str | None, signature: str, body: bytes, now: int, reason: str
) -> None:
    with pytest.raises(BadSignature) as refused:
        verify(SECRET, timestamp, signature, body, now=now)
    assert reason in refused.value.reason
