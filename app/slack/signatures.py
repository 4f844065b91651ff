"""Slack's request signature, checked on the raw bytes before any of them is read as data.

`v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}`, keyed by the signing
secret; the timestamp must be within WINDOW seconds of now, either way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

WINDOW = 300  # seconds; Slack's own advice
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class BadSignature(Exception):
    """Why a request is not known to come from Slack; the reason is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Signature:
    """A verified signature: the request's timestamp, and the signature in canonical form."""

    timestamp: int
    value: str


def verify(
    secret: bytes,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    window: int = WINDOW,
) -> Signature:
    """The request's signature if it is Slack's and fresh; raises BadSignature otherwise."""
    if not timestamp or not signature:
        raise BadSignature("not signed")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise BadSignature("timestamp is not a number")
    if abs(now - int(timestamp)) > window:
        raise BadSignature(f"timestamp more than {window} s away from now")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    # Header values arrive decoded as latin-1, so encoding them back gives the bytes sent.
    if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
        raise BadSignature("signature does not match")
    return Signature(int(timestamp), expected)
