"""exchange: an index on the per-minute match counts' minute, so the flood sweep prunes old minutes without
reading the whole table

Revision ID: exchange_0003
Revises: exchange_0002
"""

from __future__ import annotations

from alembic import op

revision = "exchange_0003"
down_revision = "exchange_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_match_counts", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_match_counts_minute", ["minute"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_match_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_match_counts_minute")
