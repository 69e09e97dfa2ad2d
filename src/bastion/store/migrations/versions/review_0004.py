"""review: named queues with routing rules; every case names the queue it was routed to

Existing cases go to the default queue ("General"), which catches whatever no lead's rule matches.

Revision ID: review_0004
Revises: review_0003
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "review_0004"
down_revision = "review_0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    queues = op.create_table(
        "review_queues",
        sa.Column("queue_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=255), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", _JSON, nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # a plain column, no foreign key: on SQLite adding one rebuilds review_cases (and cascades its children)
    op.add_column("review_cases", sa.Column("queue_id", sa.Integer(), nullable=True))
    op.create_index("ix_review_cases_queue_id", "review_cases", ["queue_id"])
    now = datetime.now(UTC)
    bind = op.get_bind()
    stamp = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    op.bulk_insert(
        queues,
        [
            {
                "name": "General",
                "position": 1_000_000,
                "rule": {},
                "is_default": True,
                "updated_by": "migration",
                "updated_at": stamp,
            }
        ],
    )
    op.execute(
        "UPDATE review_cases SET queue_id = (SELECT queue_id FROM review_queues WHERE is_default = TRUE)"
    )


def downgrade() -> None:
    op.drop_index("ix_review_cases_queue_id", table_name="review_cases")
    with op.batch_alter_table("review_cases") as batch:
        batch.drop_column("queue_id")
    op.drop_table("review_queues")
