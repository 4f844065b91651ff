"""The migrations build exactly the tables the code declares: a column added to tables.py
without a migration (or the reverse) fails here, not on an operator's database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.persistence.engine import make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import metadata


def test_migrated_sqlite_schema_matches_the_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
