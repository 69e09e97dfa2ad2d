"""review: users, tokens, sessions, intake, cases, decisions, exposure, reporters, audit chain

Revision ID: review_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "review_0001"
down_revision = "0001"
branch_labels = ("review",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "review_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_review_audit")),
        sa.UniqueConstraint("hash", name=op.f("uq_review_audit_hash")),
    )
    op.create_table(
        "review_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_audit_head")),
    )
    op.create_table(
        "review_cases",
        sa.Column("case_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("group_type", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("flags", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.Column("claimed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("canary", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("updated_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("due_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_review_cases")),
    )
    op.create_index(
        "ix_review_cases_group", "review_cases", ["platform", "group_type", "group_id"], unique=False
    )
    op.create_index("ix_review_cases_queue", "review_cases", ["status", "priority", "due_at"], unique=False)
    op.create_table(
        "review_intake",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("report_id", sa.String(length=255), nullable=False),
        sa.Column("received_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("platform", "report_id", name=op.f("pk_review_intake")),
    )
    op.create_index("ix_review_intake_received", "review_intake", ["received_at"], unique=False)
    op.create_table(
        "review_reporters",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("reporter_id", sa.String(length=255), nullable=False),
        sa.Column("bad_faith", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=255), nullable=False),
        sa.Column("marked_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "reporter_id", name=op.f("pk_review_reporters")),
    )
    op.create_table(
        "review_reveals",
        sa.Column("reveal_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reviewer", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("revealed_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reveal_id", name=op.f("pk_review_reveals")),
    )
    op.create_index("ix_review_reveals_reviewer", "review_reveals", ["reviewer", "revealed_at"], unique=False)
    op.create_table(
        "review_tokens",
        sa.Column("token_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("revoked_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_review_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_review_tokens_token_hash")),
    )
    op.create_table(
        "review_users",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_review_users")),
        sa.UniqueConstraint("name", name=op.f("uq_review_users_name")),
    )
    op.create_table(
        "review_case_reports",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("report_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("added_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("discounted", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["review_cases.case_id"],
            name=op.f("fk_review_case_reports_case_id_review_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("platform", "report_id", name=op.f("pk_review_case_reports")),
    )
    op.create_index("ix_review_case_reports_case", "review_case_reports", ["case_id"], unique=False)
    op.create_table(
        "review_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["review_cases.case_id"],
            name=op.f("fk_review_decisions_case_id_review_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_review_decisions")),
    )
    op.create_index("ix_review_decisions_case", "review_decisions", ["case_id"], unique=False)
    op.create_table(
        "review_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("expires_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["review_users.user_id"],
            name=op.f("fk_review_sessions_user_id_review_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_review_sessions")),
    )


def downgrade() -> None:
    op.drop_table("review_sessions")
    op.drop_table("review_decisions")
    op.drop_table("review_case_reports")
    op.drop_table("review_users")
    op.drop_table("review_tokens")
    op.drop_table("review_reveals")
    op.drop_table("review_reporters")
    op.drop_table("review_intake")
    op.drop_table("review_cases")
    op.drop_table("review_audit_head")
    op.drop_table("review_audit")
