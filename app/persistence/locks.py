"""A lock held for the rest of a transaction, shared by every replica.

PostgreSQL: a transaction-scoped advisory lock. SQLite has one writer at a time, and the
writer lock is taken as soon as the transaction writes, which does the same job."""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlmodel import Session


def exclusive(session: Session, name: str) -> None:
    """Serialise transactions that take the lock named `name`, until each commits."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())  # a stable 32-bit key for the name
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
