"""update metrics: each update's due times, "was this useful?" votes, incidents by date

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.persistence.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due", sa.JSON(), server_default="{}", nullable=False))
    op.create_table(
        "update_votes",
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("at", app.persistence.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["update_id"], ["status_updates.id"]),
        sa.PrimaryKeyConstraint("update_id", "audience", "user_id"),
    )
    with op.batch_alter_table("update_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_votes_incident_id"), ["incident_id"], unique=False
        )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_declared_at"), ["declared_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_declared_at"))
    with op.batch_alter_table("update_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_votes_incident_id"))
    op.drop_table("update_votes")
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.drop_column("due")
