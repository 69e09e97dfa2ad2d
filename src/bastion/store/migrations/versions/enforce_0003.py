"""enforce: the preservation vault keeps evidence for an enforcement action as well as for a CyberTipline
report (report id optional; platform, account and action reference); connectors' Bastion-side state

Evidence a connector preserves before suspending an account (its statuses and media, which the platform
deletes after a suspension) goes to the same encrypted, audited, purged vault as reports' contents, keyed by
(platform, action reference, kind) so a retried action never preserves twice. ``connector_state`` and
``connector_calls`` hold a connector's cursor and its audited platform calls (formerly a side SQLite file).

Revision ID: enforce_0003
Revises: enforce_0002
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "enforce_0003"
down_revision = "enforce_0002"
branch_labels = None
depends_on = None


def _access_table() -> None:
    """preservation_access exactly as enforce_0001 made it."""
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


def _rebuild_items(change: Callable[[Any], None]) -> None:
    """Apply ``change`` to preservation_items. SQLite rebuilds the table (copy, drop, rename), and dropping a
    table other rows reference fails with foreign keys on, so its access log is set aside (rows and ids
    unchanged) while it is rebuilt, then put back; PostgreSQL alters it in place."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TABLE _preservation_access_kept AS SELECT * FROM preservation_access")
        op.drop_index("ix_preservation_access_item", table_name="preservation_access")
        op.drop_table("preservation_access")
    with op.batch_alter_table("preservation_items") as batch:
        change(batch)
    if sqlite:
        _access_table()
        op.execute(
            "INSERT INTO preservation_access (access_id, item_id, actor, role, action, detail, at)"
            " SELECT access_id, item_id, actor, role, action, detail, at FROM _preservation_access_kept"
        )
        op.drop_table("_preservation_access_kept")


def _generalise(batch: Any) -> None:
    batch.alter_column("local_id", existing_type=sa.Integer(), nullable=True)
    batch.add_column(sa.Column("account_id", sa.String(length=255), nullable=True))
    batch.add_column(sa.Column("action_ref", sa.String(length=255), nullable=True))
    batch.create_unique_constraint(
        op.f("uq_preservation_items_platform_action_ref_kind"), ["platform", "action_ref", "kind"]
    )


def _restore(batch: Any) -> None:
    batch.drop_constraint(op.f("uq_preservation_items_platform_action_ref_kind"), type_="unique")
    batch.drop_column("action_ref")
    batch.drop_column("account_id")
    batch.alter_column("local_id", existing_type=sa.Integer(), nullable=False)


def upgrade() -> None:
    _rebuild_items(_generalise)
    op.create_table(
        "connector_state",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "key", name=op.f("pk_connector_state")),
    )
    op.create_table(
        "connector_calls",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connector", "key", name=op.f("pk_connector_calls")),
    )


def downgrade() -> None:
    op.drop_table("connector_calls")
    op.drop_table("connector_state")
    op.execute(
        "DELETE FROM preservation_access WHERE item_id IN"
        " (SELECT item_id FROM preservation_items WHERE local_id IS NULL)"
    )
    op.execute("DELETE FROM preservation_items WHERE local_id IS NULL")
    _rebuild_items(_restore)
