"""The engine, built from a URL: SQLite by default, PostgreSQL for several replicas."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event control transactions
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take SQLite's write lock up front: two threads that both read then write
        # would otherwise fail with "database is locked" instead of waiting their turn.
        read_only = conn.get_execution_options().get("read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    """Opens transactions; one use case runs inside one `transaction()`.

    On SQLite, writers in this process queue on a lock before taking the database's write lock:
    SQLite's own busy handler sleeps in growing steps, which turns contention into tens of
    milliseconds. Reads (`read()`) take no write lock; WAL lets them run beside a writer.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._writer = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with (
            self._write_turn(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads (a consistent snapshot, no write lock)."""
        with self.engine.connect() as connection:
            connection.execution_options(read_only=True)
            with Session(bind=connection, expire_on_commit=False) as session:
                yield session  # closing the session rolls the read transaction back

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        if not self._sqlite:
            yield
            return
        with self._writer:
            yield

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
