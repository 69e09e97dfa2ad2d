"""Small platforms for graph tests."""

from __future__ import annotations

from bastion.graph import GraphBuilder
from bastion.graph.reports import FULL_SHARE, TIMES_PLATFORM_SHARE


def with_quiet_follows(b: GraphBuilder, reports: int) -> None:
    """Follows in a ring of quiet accounts, enough that ``reports`` reports are rare beside them, as on a
    social platform (``reports.py`` reads reporting many accounts as a campaign only where they are rare)."""
    ring = int(2 * reports * TIMES_PLATFORM_SHARE / FULL_SHARE)
    for k in range(ring):
        b.add_follow(f"quiet{k}", f"quiet{(k + 1) % ring}")
