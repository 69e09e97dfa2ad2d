"""Personalised PageRank: the benchmark's baseline ranking and its speed yardstick.

Detection no longer propagates suspicion over many hops (that made guilt by association cascade through
ordinary communities); association is one hop against chance (``association.py``). PageRank stays as the
reference a detection run is timed against and compared with in ``bench/networks.py``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import FloatArray


def personalized_pagerank(
    adj: sp.csr_matrix, restart: FloatArray, *, alpha: float = 0.85, iters: int = 40, tol: float = 1e-10
) -> FloatArray:
    """Power iteration of x = (1 - alpha) r + alpha P^T x on a symmetric adjacency; dangling mass restarts."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    r = restart / restart.sum()
    x = r.copy()
    pt = adj.T.tocsr()
    for _ in range(iters):
        walked = pt @ (x * inv)
        dangling = float(x[deg == 0].sum())
        nxt = (1.0 - alpha) * r + alpha * (walked + dangling * r)
        if float(np.abs(nxt - x).sum()) < tol:
            x = nxt
            break
        x = nxt
    return np.asarray(x, dtype=np.float64)
