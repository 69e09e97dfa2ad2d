"""media: hash lists, versioned entries and their change log

Revision ID: media_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "media_0001"
down_revision = "0001"
branch_labels = ("media",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "media_lists",
        sa.Column("list_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="31", nullable=False),
        sa.Column("negative", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_media_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_media_lists_name")),
    )
    op.create_table(
        "media_entries",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("removed_by", sa.Text(), nullable=True),
        sa.Column("removed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["media_lists.list_id"],
            name=op.f("fk_media_entries_list_id_media_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_media_entries")),
    )
    op.create_index("ix_media_entries_list", "media_entries", ["list_id", "signal_type"], unique=False)
    op.create_index("ix_media_entries_value", "media_entries", ["signal_type", "value"], unique=False)
    op.create_table(
        "media_changes",
        sa.Column("change_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["media_entries.entry_id"],
            name=op.f("fk_media_changes_entry_id_media_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_media_changes")),
    )


def downgrade() -> None:
    op.drop_table("media_changes")
    op.drop_index("ix_media_entries_value", table_name="media_entries")
    op.drop_index("ix_media_entries_list", table_name="media_entries")
    op.drop_table("media_entries")
    op.drop_table("media_lists")
