"""status_posts: what was published to customers, which the public status page shows

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.persistence.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(), nullable=False),
        sa.Column("at", app.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("impact", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("affects", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_status_posts_incident_id", "status_posts", ["incident_id"], unique=False)
    op.create_index("ix_status_posts_at", "status_posts", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_status_posts_at", table_name="status_posts")
    op.drop_index("ix_status_posts_incident_id", table_name="status_posts")
    op.drop_table("status_posts")
