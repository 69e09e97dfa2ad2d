"""enforce: actions and their history, deliveries, takedowns, evasion links, CyberTipline reports and
exchanges, preserved report contents and their access log

Revision ID: enforce_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "enforce_0001"
down_revision = "0001"
branch_labels = ("enforce",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cybertip_reports",
        sa.Column("local_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("case_ref", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ncmec_report_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("opened_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("last_change_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("finished_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("local_id", name=op.f("pk_cybertip_reports")),
    )
    op.create_index(
        "ix_cybertip_reports_account", "cybertip_reports", ["platform", "account_id"], unique=False
    )
    op.create_table(
        "enforce_takedowns",
        sa.Column("takedown_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("network_id", sa.String(length=255), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column("decided_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("plan", _JSON, nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("takedown_id", name=op.f("pk_enforce_takedowns")),
    )
    op.create_index(
        "ix_enforce_takedowns_network", "enforce_takedowns", ["platform", "network_id"], unique=False
    )
    op.create_table(
        "cybertip_exchanges",
        sa.Column("exchange_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("ncmec_report_id", sa.String(length=64), nullable=True),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["local_id"],
            ["cybertip_reports.local_id"],
            name=op.f("fk_cybertip_exchanges_local_id_cybertip_reports"),
        ),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_cybertip_exchanges")),
    )
    op.create_index("ix_cybertip_exchanges_report", "cybertip_exchanges", ["local_id"], unique=False)
    op.create_table(
        "enforce_actions",
        sa.Column("action_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("decided_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("takedown_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["enforce_takedowns.takedown_id"],
            name=op.f("fk_enforce_actions_takedown_id_enforce_takedowns"),
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_enforce_actions")),
    )
    op.create_index("ix_enforce_actions_account", "enforce_actions", ["platform", "account_id"], unique=False)
    op.create_table(
        "preservation_items",
        sa.Column("item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=True),
        sa.Column("started_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("preserve_until", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("destroyed_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.Column("destroyed_by", sa.String(length=255), nullable=True),
        sa.Column("destroy_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["local_id"],
            ["cybertip_reports.local_id"],
            name=op.f("fk_preservation_items_local_id_cybertip_reports"),
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_preservation_items")),
        sa.UniqueConstraint("local_id", "kind", name=op.f("uq_preservation_items_local_id_kind")),
    )
    op.create_table(
        "enforce_evasion",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("original_account_id", sa.String(length=255), nullable=False),
        sa.Column("original_action_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("found_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["original_action_id"],
            ["enforce_actions.action_id"],
            name=op.f("fk_enforce_evasion_original_action_id_enforce_actions"),
        ),
        sa.PrimaryKeyConstraint("platform", "account_id", name=op.f("pk_enforce_evasion")),
    )
    op.create_table(
        "enforce_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["enforce_actions.action_id"],
            name=op.f("fk_enforce_events_action_id_enforce_actions"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_enforce_events")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_enforce_events_delivery_id")),
    )
    op.create_index("ix_enforce_events_action", "enforce_events", ["action_id"], unique=False)
    op.create_table(
        "preservation_access",
        sa.Column("access_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["preservation_items.item_id"],
            name=op.f("fk_preservation_access_item_id_preservation_items"),
        ),
        sa.PrimaryKeyConstraint("access_id", name=op.f("pk_preservation_access")),
    )
    op.create_index("ix_preservation_access_item", "preservation_access", ["item_id"], unique=False)
    op.create_table(
        "enforce_deliveries",
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", bastion.store.types.Instant(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["enforce_events.event_id"],
            name=op.f("fk_enforce_deliveries_event_id_enforce_events"),
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_enforce_deliveries")),
    )
    op.create_index(
        "ix_enforce_deliveries_status", "enforce_deliveries", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_enforce_deliveries_status", table_name="enforce_deliveries")
    op.drop_table("enforce_deliveries")
    op.drop_index("ix_preservation_access_item", table_name="preservation_access")
    op.drop_table("preservation_access")
    op.drop_index("ix_enforce_events_action", table_name="enforce_events")
    op.drop_table("enforce_events")
    op.drop_table("enforce_evasion")
    op.drop_table("preservation_items")
    op.drop_index("ix_enforce_actions_account", table_name="enforce_actions")
    op.drop_table("enforce_actions")
    op.drop_index("ix_cybertip_exchanges_report", table_name="cybertip_exchanges")
    op.drop_table("cybertip_exchanges")
    op.drop_index("ix_enforce_takedowns_network", table_name="enforce_takedowns")
    op.drop_table("enforce_takedowns")
    op.drop_index("ix_cybertip_reports_account", table_name="cybertip_reports")
    op.drop_table("cybertip_reports")
