"""Alembic environment: used by `warroom db upgrade`, by start-up, and by the alembic CLI."""

import os

from alembic import context
from sqlalchemy import Connection, text

from app.persistence.engine import make_engine
from app.persistence.tables import metadata

_LOCK_ID = 7_246_001  # any constant: serialises concurrent upgrades from several replicas


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    # The alembic CLI honours WARROOM_DATABASE_URL, like the app does.
    url = os.environ.get("WARROOM_DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `warroom db upgrade`.")
run_migrations_online()
