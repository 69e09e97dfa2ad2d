"""ingest: the ordered change log of live events and the catch-up checkpoints of its consumers

Revision ID: ingest_0002
Revises: ingest_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "ingest_0002"
down_revision = "ingest_0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ingest_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_key", _JSON, nullable=False),
        sa.Column("accounts", _JSON, nullable=False),
        sa.Column("received_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ingest_changes")),
    )
    op.create_index("ix_ingest_changes_platform", "ingest_changes", ["platform", "seq"])
    op.create_table(
        "catchup_checkpoints",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "platform", name=op.f("pk_catchup_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("catchup_checkpoints")
    op.drop_index("ix_ingest_changes_platform", table_name="ingest_changes")
    op.drop_table("ingest_changes")
