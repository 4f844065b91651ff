"""`warroom db upgrade` run by two processes at once, as replicas starting together do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from app.persistence.migrate import alembic_config
from app.persistence.tables import metadata


def upgrade_command() -> list[str]:
    script = shutil.which("warroom", path=os.path.dirname(sys.executable))
    return [script, "db", "upgrade"] if script else [sys.executable, "-m", "app", "db", "upgrade"]


def test_two_processes_upgrading_at_once_both_succeed_and_migrate_once(pg_url: str) -> None:
    env = {**os.environ, "WARROOM_DATABASE_URL": pg_url}
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for command in (upgrade_command(), [sys.executable, "-m", "app", "db", "upgrade"])
    ]
    outputs = [p.communicate(timeout=60)[0] for p in processes]

    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
        assert "database is up to date" in output
    head = ScriptDirectory.from_config(alembic_config(pg_url)).get_current_head()
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert [row[0] for row in versions] == [head]
            assert set(metadata.tables) <= set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_migrated_postgres_schema_matches_the_tables(migrated_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.persistence.engine import make_engine
    from app.persistence.tables import metadata

    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
