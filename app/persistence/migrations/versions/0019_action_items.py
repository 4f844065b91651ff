"""action_items: follow-ups of an incident, owned, due, closed with their verification

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.persistence.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = app.persistence.types.UTCDateTime
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", text(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("owner", text(), nullable=False),
        sa.Column("created_by", text(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("due_at", when(), nullable=False),
        sa.Column("status", text(), nullable=False),
        sa.Column("done_by", text(), nullable=True),
        sa.Column("done_at", when(), nullable=True),
        sa.Column("verification", text(), nullable=False),
        sa.Column("wake_at", when(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "number"),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        for column in ("incident_id", "owner", "created_at", "status", "done_at", "wake_at"):
            batch_op.create_index(batch_op.f(f"ix_action_items_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        for column in ("incident_id", "owner", "created_at", "status", "done_at", "wake_at"):
            batch_op.drop_index(batch_op.f(f"ix_action_items_{column}"))
    op.drop_table("action_items")
