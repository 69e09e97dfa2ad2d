"""scan state: what each capability's last scan of a platform was computed from

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_state",
        sa.Column("capability", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("scanned_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("capability", "platform", name=op.f("pk_scan_state")),
    )


def downgrade() -> None:
    op.drop_table("scan_state")
