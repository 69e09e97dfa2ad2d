"""ingest: the live event API's ledger of accepted event ids (idempotency by event id)

Revision ID: ingest_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "ingest_0001"
down_revision = "0001"
branch_labels = ("ingest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_events",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("received_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id", name=op.f("pk_ingest_events")),
    )


def downgrade() -> None:
    op.drop_table("ingest_events")
