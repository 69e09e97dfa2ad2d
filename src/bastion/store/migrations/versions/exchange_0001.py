"""exchange: HMA bank settings, signal type overrides and banked content, hash exchange configs,
checkpoints, entries and feedback, flood protection's match counts and quarantines

Revision ID: exchange_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "exchange_0001"
down_revision = "0001"
branch_labels = ("exchange",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_banks",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("enabled_ratio", sa.Float(), server_default="1", nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchange_banks")),
    )
    op.create_table(
        "exchange_configs",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=True),
        sa.Column("api", sa.String(length=64), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchange_configs")),
    )
    op.create_table(
        "exchange_content",
        sa.Column("content_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bank", sa.String(length=255), nullable=False),
        sa.Column("disable_until_ts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("meta", _JSON, nullable=True),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_exchange_content")),
    )
    op.create_table(
        "exchange_entries",
        sa.Column("exchange", sa.String(length=255), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("remote_ids", _JSON, nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("exchange", "signal_type", "value", name=op.f("pk_exchange_entries")),
    )
    op.create_table(
        "exchange_feedback",
        sa.Column("feedback_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange", sa.String(length=255), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("feedback_id", name=op.f("pk_exchange_feedback")),
    )
    op.create_table(
        "exchange_floods",
        sa.Column("flood_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=255), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("window_matches", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("detected_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("flood_id", name=op.f("pk_exchange_floods")),
    )
    with op.batch_alter_table("exchange_floods", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_floods_entry", ["entry_id", "status"], unique=False)

    op.create_table(
        "exchange_match_counts",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "minute", name=op.f("pk_exchange_match_counts")),
    )
    op.create_table(
        "exchange_signal_types",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("enabled_ratio", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchange_signal_types")),
    )
    op.create_table(
        "exchange_checkpoints",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("checkpoint", _JSON, nullable=True),
        sa.Column("last_fetch_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checkpoint_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("success", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["name"],
            ["exchange_configs.name"],
            name=op.f("fk_exchange_checkpoints_name_exchange_configs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchange_checkpoints")),
    )
    op.create_table(
        "exchange_content_signals",
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["exchange_content.content_id"],
            name=op.f("fk_exchange_content_signals_content_id_exchange_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", "signal_type", name=op.f("pk_exchange_content_signals")),
    )
    with op.batch_alter_table("exchange_content_signals", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_content_signals_entry", ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_content_signals", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_content_signals_entry")

    op.drop_table("exchange_content_signals")
    op.drop_table("exchange_checkpoints")
    op.drop_table("exchange_signal_types")
    op.drop_table("exchange_match_counts")
    with op.batch_alter_table("exchange_floods", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_floods_entry")

    op.drop_table("exchange_floods")
    op.drop_table("exchange_feedback")
    op.drop_table("exchange_entries")
    op.drop_table("exchange_content")
    op.drop_table("exchange_configs")
    op.drop_table("exchange_banks")
