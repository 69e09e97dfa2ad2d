"""graph: detection runs, networks and members

Revision ID: graph_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bastion.store.types

revision = "graph_0001"
down_revision = "0001"
branch_labels = ("graph",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "graph_runs",
        sa.Column("run_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("seeds", _JSON, nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("started_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("finished_at", bastion.store.types.Instant(timezone=True), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_graph_runs")),
    )
    op.create_index("ix_graph_runs_platform", "graph_runs", ["platform", "run_id"], unique=False)
    op.create_table(
        "graph_networks",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("roles", _JSON, nullable=False),
        sa.Column("exposure", _JSON, nullable=True),
        sa.Column("detectors", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["graph_runs.run_id"],
            name=op.f("fk_graph_networks_run_id_graph_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "network_id", name=op.f("pk_graph_networks")),
    )
    op.create_table(
        "graph_members",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id", "network_id"],
            ["graph_networks.run_id", "graph_networks.network_id"],
            name=op.f("fk_graph_members_run_id_graph_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "network_id", "account_id", name=op.f("pk_graph_members")),
    )
    op.create_index("ix_graph_members_account", "graph_members", ["platform", "account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_graph_members_account", table_name="graph_members")
    op.drop_table("graph_members")
    op.drop_table("graph_networks")
    op.drop_index("ix_graph_runs_platform", table_name="graph_runs")
    op.drop_table("graph_runs")
