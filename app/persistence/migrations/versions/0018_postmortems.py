"""postmortems: owner, due time, reminders and link of each incident's post-mortem

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.persistence.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("owner_named_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("resolved_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("due_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("exempt", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("wake_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("done_at", app.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("done_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postmortems_wake_at"), ["wake_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postmortems_wake_at"))
    op.drop_table("postmortems")
