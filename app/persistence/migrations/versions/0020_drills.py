"""drill_runs and drill_injects: the scenario a drill runs and what it makes happen, when

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.persistence.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drill_runs",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(), nullable=False),
        sa.Column("started_at", app.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("debriefed_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    op.create_index("ix_drill_runs_started_at", "drill_runs", ["started_at"], unique=False)
    op.create_table(
        "drill_injects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_at", app.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("wake_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("done_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_drill_injects_incident_id", "drill_injects", ["incident_id"], unique=False
    )
    op.create_index("ix_drill_injects_wake_at", "drill_injects", ["wake_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_drill_injects_wake_at", table_name="drill_injects")
    op.drop_index("ix_drill_injects_incident_id", table_name="drill_injects")
    op.drop_table("drill_injects")
    op.drop_index("ix_drill_runs_started_at", table_name="drill_runs")
    op.drop_table("drill_runs")
