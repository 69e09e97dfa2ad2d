"""Tables of the graph capability: detection runs, the networks each run found, and their members.

A run is kept whole (its networks and members are never updated in place) so a case opened on one run's
network keeps the evidence it was opened on; the latest run of a platform is what ``bastion networks`` shows.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Table, Text

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

graph_runs = Table(
    "graph_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("engine", String(16), nullable=False),
    Column("mode", String(16), nullable=False),  # seeded | seedless
    Column("seeds", Json, nullable=False),
    Column("accounts", Integer, nullable=False),
    Column("edges", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("started_at", Instant, nullable=False),
    Column("finished_at", Instant, nullable=False),
    Column("config", Json, nullable=False),
    Index("ix_graph_runs_platform", "platform", "run_id"),
)

graph_networks = Table(
    "graph_networks",
    metadata,
    Column("run_id", Integer, ForeignKey("graph_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ID, primary_key=True),
    Column("platform", ID, nullable=False),
    Column("score", Float, nullable=False),
    Column("size", Integer, nullable=False),
    Column("roles", Json, nullable=False),
    Column("exposure", Json),
    Column("detectors", Json, nullable=False),
)

graph_members = Table(
    "graph_members",
    metadata,
    Column("run_id", Integer, primary_key=True),
    Column("network_id", ID, primary_key=True),
    Column("account_id", ID, primary_key=True),
    Column("platform", ID, nullable=False),
    Column("role", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("summary", Text, nullable=False),
    Column("evidence", Json, nullable=False),
    ForeignKeyConstraint(
        ["run_id", "network_id"], ["graph_networks.run_id", "graph_networks.network_id"], ondelete="CASCADE"
    ),
    Index("ix_graph_members_account", "platform", "account_id"),
)

#: Evidence-model weights per platform, one row per fit: versioned, never updated, so every run names the
#: weights it used and an appeal can re-derive its scores.
graph_weights = Table(
    "graph_weights",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("verdicts", Integer, nullable=False),
    Column("fitted_at", Instant, nullable=False),
    Column("weights", Json, nullable=False),
    Column("summary", Text, nullable=False),
)

#: Link domains an operator says tie no one together (an institution's, a known marketplace's): global,
#: each with who added it and why (``bastion.graph.domains``).
graph_benign_domains = Table(
    "graph_benign_domains",
    metadata,
    Column("domain", String(253), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("added_by", ID, nullable=False),
    Column("added_at", Instant, nullable=False),
)

__all__ = [
    "graph_benign_domains",
    "graph_members",
    "graph_networks",
    "graph_runs",
    "graph_weights",
    "metadata",
]
