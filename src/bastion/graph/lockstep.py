"""Lockstep behaviour (CopyCatch / SynchroTrap style): groups of accounts that follow the same targets
within the same short window. Organic users who follow a celebrity on the same day do not share several
such (target, window) pairs; coordinated seller accounts created together do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import AccountGraph, FloatArray, IntArray
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register

DAY = 86_400


def lockstep_partners(
    src: IntArray,
    dst: IntArray,
    t: IntArray,
    n: int,
    *,
    window: int,
    min_group: int,
    max_group: int,
    min_shared: int,
    min_ratio: float = 0.0,
) -> tuple[sp.csr_matrix, IntArray]:
    """Pairs sharing at least ``min_shared`` (target, window) follows; two offset bucketings catch pairs
    that straddle a window boundary. Returns the partner matrix (value = shared pairs) and partner counts."""
    best: sp.csr_matrix | None = None
    for offset in (0, window // 2):
        bucket = (t + offset) // window
        key = dst.astype(np.int64) * (int(bucket.max()) + 1 if len(bucket) else 1) + bucket
        _uniq, col, counts = np.unique(key, return_inverse=True, return_counts=True)
        ok = (counts[col] >= min_group) & (counts[col] <= max_group)
        if not ok.any():
            continue
        _, col_ok = np.unique(col[ok], return_inverse=True)
        a = sp.csr_matrix(
            (np.ones(int(ok.sum())), (src[ok], col_ok)), shape=(n, int(col_ok.max()) + 1), dtype=np.float64
        )
        a.data[:] = 1.0
        co = (a @ a.T).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        best = co if best is None else best.maximum(co).tocsr()
    if best is None:
        return sp.csr_matrix((n, n)), np.zeros(n, dtype=np.int64)
    best.data[best.data < min_shared] = 0
    best.eliminate_zeros()
    if best.nnz and min_ratio > 0:  # friends in a dense circle share many targets, a few by chance in time
        follow = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
        follow.data[:] = 1.0
        coo = best.tocoo()
        common = np.asarray(follow[coo.row].multiply(follow[coo.col]).sum(axis=1)).ravel()
        keep = coo.data >= min_ratio * np.maximum(common, 1.0)
        best = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    return best, np.diff(best.indptr).astype(np.int64)


@register
class Lockstep(LocalDetector):
    name: ClassVar[str] = "lockstep"
    reads: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        window_days: float = 3.0,
        min_group: int = 3,
        max_group: int = 200,
        min_shared: int = 2,
        half_score_partners: float = 3.0,
        min_ratio: float = 0.4,
    ) -> None:
        self.min_ratio = min_ratio
        self.window = int(window_days * DAY)
        self.min_group = min_group
        self.max_group = max_group
        self.min_shared = min_shared
        self.half = half_score_partners

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        n = graph.n
        ft = graph.follow_times
        if ft is None or len(ft.src) == 0:
            return DetectorResult(self.name, np.zeros(n))
        pairs, partners = lockstep_partners(
            ft.src,
            ft.dst,
            ft.t,
            n,
            window=self.window,
            min_group=self.min_group,
            max_group=self.max_group,
            min_shared=self.min_shared,
            min_ratio=self.min_ratio,
        )
        scores = 1.0 - np.power(0.5, partners / self.half)
        res = DetectorResult(self.name, scores)
        days = self.window / DAY
        for i in np.flatnonzero(partners).tolist():
            row = slice(pairs.indptr[i], pairs.indptr[i + 1])
            top = np.argsort(-pairs.data[row])[:5]
            shared = int(pairs.data[row].max())
            res.add(
                i,
                Evidence(
                    "graph",
                    f"followed the same accounts within {days:g} days as {int(partners[i])} other account(s) "
                    f"(up to {shared} shared targets with one of them)",
                    {
                        "detector": self.name,
                        "partners": int(partners[i]),
                        "examples": [graph.ids[j] for j in pairs.indices[row][top].tolist()],
                    },
                ),
            )
        return res
