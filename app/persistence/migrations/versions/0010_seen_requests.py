"""seen requests: signed HTTP requests within the replay window

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.persistence.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seen_requests',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('signed_at', app.persistence.types.UTCDateTime(), nullable=False),
    sa.Column('seen_at', app.persistence.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('seen_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_requests_signed_at'), ['signed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seen_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_requests_signed_at'))

    op.drop_table('seen_requests')
