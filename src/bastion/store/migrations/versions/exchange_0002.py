"""exchange: signals shared between Bastion instances (the signed feed out, and what partners sent, waiting
for a person's review)

Revision ID: exchange_0002
Revises: exchange_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "exchange_0002"
down_revision = "exchange_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_shared_in",
        sa.Column("partner", sa.String(length=255), nullable=False),
        sa.Column("remote_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("expires_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("retracted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("remote_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("received_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "remote_seq", name=op.f("pk_exchange_shared_in")),
    )
    op.create_table(
        "exchange_shared_out",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("expires_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("retracted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("true_positives", sa.Integer(), server_default="0", nullable=False),
        sa.Column("false_positives", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_shared_out")),
    )
    with op.batch_alter_table("exchange_shared_out", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_shared_out_feed", ["partner", "version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_shared_out", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_shared_out_feed")

    op.drop_table("exchange_shared_out")
    op.drop_table("exchange_shared_in")
