"""`Authorization: Bearer <token>`, checked the same way on every route that asks for one."""

from __future__ import annotations

import hmac


def bearer_matches(header: str | None, token: str) -> bool:
    """The header presents `token`, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    # Compared as bytes: compare_digest refuses str holding anything but ASCII.
    presented = given.strip().encode() if scheme.lower() == "bearer" else b""
    return hmac.compare_digest(presented, token.encode())
