"""reports: when Bastion first stored each report (a platform may deliver one days after it was filed)

Rows stored before this revision have none; readers fall back to the report's own time for them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("received_at", bastion.store.types.Instant(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("received_at")
