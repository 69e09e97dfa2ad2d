"""Group suspicious accounts into networks with Leiden on the suspicious subgraph.

CPM (resolution 0.02: a group of 30 joins another of 30 only through about 18 ties) keeps cells that are
bridged by shared buyers in one network (the point is to act on the whole network at once), while groups
with no ties, or only a few follows between their sellers, stay apart.
"""

from __future__ import annotations

import scipy.sparse as sp

from bastion.graph.container import IntArray
from bastion.graph.leiden import leiden_cpm


def cluster_suspects(
    adj: sp.csr_matrix, members: IntArray, *, resolution: float = 0.005, min_size: int = 3, seed: int = 7
) -> list[IntArray]:
    """Leiden communities of ``members`` on ``adj`` (directed or not: it is symmetrised among the members
    only, never on the whole graph); largest first, tiny ones dropped."""
    if len(members) == 0:
        return []
    part = sp.csr_matrix(adj[members][:, members])
    sub = sp.triu(part + part.T, k=1).tocoo()  # directed contacts both ways are one tie, weights added
    parts = leiden_cpm(len(members), sub.row, sub.col, resolution, seed, weights=sub.data, min_size=min_size)
    groups = [members[c] for c in parts]
    groups.sort(key=len, reverse=True)
    return groups
