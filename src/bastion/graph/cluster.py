"""Group suspicious accounts into networks with Leiden on the suspicious subgraph.

CPM (resolution 0.02: a group of 30 joins another of 30 only through about 18 ties) keeps cells that are
bridged by shared buyers in one network (the point is to act on the whole network at once), while groups
with no ties, or only a few follows between their sellers, stay apart.
"""

from __future__ import annotations

import igraph as ig
import leidenalg
import numpy as np
import scipy.sparse as sp

from bastion.graph.container import IntArray


def cluster_suspects(
    adj: sp.csr_matrix, members: IntArray, *, resolution: float = 0.005, min_size: int = 3, seed: int = 7
) -> list[IntArray]:
    """Leiden communities of ``members`` on ``adj`` (directed or not: it is symmetrised among the members
    only, never on the whole graph); largest first, tiny ones dropped."""
    if len(members) == 0:
        return []
    part = sp.csr_matrix(adj[members][:, members])
    sub = sp.triu(part + part.T, k=1).tocoo()  # directed contacts both ways are one tie, weights added
    g = ig.Graph(n=len(members), edges=list(zip(sub.row.tolist(), sub.col.tolist(), strict=True)))
    g.es["weight"] = sub.data.tolist()
    part = leidenalg.find_partition(
        g, leidenalg.CPMVertexPartition, weights="weight", resolution_parameter=resolution, seed=seed
    )
    groups = [members[np.array(c, dtype=np.int64)] for c in part if len(c) >= min_size]
    groups.sort(key=len, reverse=True)
    return groups
