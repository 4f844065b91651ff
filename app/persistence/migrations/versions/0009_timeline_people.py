"""timeline entries: the people the app named in them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing entries name nobody: their IDs stay plain text, as a typed ID would.
    with op.batch_alter_table('timeline_entries', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('people', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('timeline_entries', schema=None) as batch_op:
        batch_op.drop_column('people')
