"""graph: versioned evidence-model weights fitted from reviewers' verdicts

Revision ID: graph_0002
Revises: graph_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "graph_0002"
down_revision = "graph_0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "graph_weights",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("verdicts", sa.Integer(), nullable=False),
        sa.Column("fitted_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("weights", _JSON, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "version", name=op.f("pk_graph_weights")),
    )


def downgrade() -> None:
    op.drop_table("graph_weights")
