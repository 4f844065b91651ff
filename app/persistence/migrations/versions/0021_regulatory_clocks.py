"""regulatory_clocks: legal deadlines running in an incident, reminded until notified

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.persistence.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = app.persistence.types.UTCDateTime
    op.create_table(
        "regulatory_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("notify_role", sa.String(), nullable=False),
        sa.Column("started_at", when(), nullable=False),
        sa.Column("due_at", when(), nullable=False),
        sa.Column("flagged_by", sa.String(), nullable=False),
        sa.Column("flagged_at", when(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("wake_at", when(), nullable=True),
        sa.Column("notified_by", sa.String(), nullable=True),
        sa.Column("notified_at", when(), nullable=True),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("unflagged_by", sa.String(), nullable=True),
        sa.Column("unflagged_at", when(), nullable=True),
        sa.Column("unflag_reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "clock"),
    )
    for column in ("incident_id", "status", "wake_at"):
        op.create_index(
            f"ix_regulatory_clocks_{column}", "regulatory_clocks", [column], unique=False
        )


def downgrade() -> None:
    for column in ("incident_id", "status", "wake_at"):
        op.drop_index(f"ix_regulatory_clocks_{column}", table_name="regulatory_clocks")
    op.drop_table("regulatory_clocks")
