"""accounts: when the platform changed an account's status, and when Bastion first saw that status

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("status_changed_at", bastion.store.types.Instant(timezone=True)))
    op.add_column("accounts", sa.Column("status_seen_at", bastion.store.types.Instant(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("status_seen_at")
        batch.drop_column("status_changed_at")
