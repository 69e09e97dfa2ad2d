"""terms: lexicons, versioned entries, allowlists and discovery decisions

Revision ID: terms_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "terms_0001"
down_revision = "0001"
branch_labels = ("terms",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "term_lexicons",
        sa.Column("lexicon_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lexicon_id", name=op.f("pk_term_lexicons")),
        sa.UniqueConstraint("name", name=op.f("uq_term_lexicons_name")),
    )
    op.create_table(
        "term_entries",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lexicon_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("removed_by", sa.Text(), nullable=True),
        sa.Column("removed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lexicon_id"],
            ["term_lexicons.lexicon_id"],
            name=op.f("fk_term_entries_lexicon_id_term_lexicons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_term_entries")),
    )
    op.create_index("ix_term_entries_lexicon", "term_entries", ["lexicon_id", "term"], unique=False)
    op.create_table(
        "term_allow",
        sa.Column("allow_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lexicon_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("removed_by", sa.Text(), nullable=True),
        sa.Column("removed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lexicon_id"],
            ["term_lexicons.lexicon_id"],
            name=op.f("fk_term_allow_lexicon_id_term_lexicons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("allow_id", name=op.f("pk_term_allow")),
    )
    op.create_index("ix_term_allow_lexicon", "term_allow", ["lexicon_id", "phrase"], unique=False)
    op.create_table(
        "term_candidates",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("background", sa.Integer(), nullable=False),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("proposed_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("lexicon_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lexicon_id"],
            ["term_lexicons.lexicon_id"],
            name=op.f("fk_term_candidates_lexicon_id_term_lexicons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_term_candidates")),
    )


def downgrade() -> None:
    op.drop_table("term_candidates")
    op.drop_index("ix_term_allow_lexicon", table_name="term_allow")
    op.drop_table("term_allow")
    op.drop_index("ix_term_entries_lexicon", table_name="term_entries")
    op.drop_table("term_entries")
    op.drop_table("term_lexicons")
