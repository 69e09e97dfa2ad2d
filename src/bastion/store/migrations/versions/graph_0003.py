"""graph: link domains an operator says tie no one together (an institution's, a marketplace's)

Revision ID: graph_0003
Revises: graph_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "graph_0003"
down_revision = "graph_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graph_benign_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        sa.Column("added_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_graph_benign_domains")),
    )


def downgrade() -> None:
    op.drop_table("graph_benign_domains")
