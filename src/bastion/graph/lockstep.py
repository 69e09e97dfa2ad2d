"""Lockstep behaviour scored against chance (CopyCatch / SynchroTrap style).

Two accounts that follow the same targets within the same short window are suspicious only if that happens
more often than the platform's own timing predicts. For each target the chance that two of its followers
follow it within one window is about 2W / span (span: how long the target has been gaining followers), so a
pair's expected number of synchronised targets is the sum of that over the targets they share. A pair
counts only when its observed count is improbable under that Poisson expectation after a Bonferroni
correction over the pairs tested: uniform random follow times and popular targets produce nothing, a group
created together and steered by one operator does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.stats import poisson

from bastion.graph.container import AccountGraph, FloatArray, IntArray
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register

DAY = 86_400
#: Row entries gathered at once when computing expectations (bounds memory on hub-heavy graphs).
_CHUNK_ENTRIES = 4_000_000


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
) -> sp.csr_matrix:
    """Candidate pairs sharing at least ``min_shared`` (target, window) follows; two offset bucketings catch
    pairs that straddle a boundary. Buckets larger than ``max_group`` are skipped, so no step grows with the
    square of a popular target's follower count. Value = synchronised targets (the larger bucketing)."""
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
        return sp.csr_matrix((n, n))
    best.data[best.data < min_shared] = 0
    best.eliminate_zeros()
    return sp.csr_matrix(best)


def sync_chance(dst: IntArray, t: IntArray, n: int, window: int) -> FloatArray:
    """Per target: the chance that two of its followers follow it within one window, from its own span."""
    lo = np.full(n, np.iinfo(np.int64).max)
    hi = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(lo, dst, t)
    np.maximum.at(hi, dst, t)
    span = np.where(hi >= lo, hi - lo, 0).astype(np.float64)
    return np.asarray(np.minimum(1.0, 2.0 * window / np.maximum(span, window)), dtype=np.float64)


def expected_sync(follow: sp.csr_matrix, chance: FloatArray, rows: IntArray, cols: IntArray) -> FloatArray:
    """Expected synchronised targets per pair: the chance summed over the targets both follow."""
    weighted = sp.csr_matrix(follow @ sp.diags(chance))
    deg = np.diff(follow.indptr)
    out = np.zeros(len(rows))
    start = 0
    cost = np.cumsum(deg[rows] + deg[cols])
    while start < len(rows):
        stop = int(
            np.searchsorted(cost, cost[start] - (deg[rows[start]] + deg[cols[start]]) + _CHUNK_ENTRIES)
        )
        stop = max(stop, start + 1)
        r, c = rows[start:stop], cols[start:stop]
        out[start:stop] = np.asarray(follow[r].multiply(weighted[c]).sum(axis=1)).ravel()
        start = stop
    return out


@register
class Lockstep(LocalDetector):
    """Score: 1 - 0.5 ** (significant partners / 3); ``parts["partners"]`` holds the partner count."""

    name: ClassVar[str] = "lockstep"
    reads: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        window_days: float = 3.0,
        min_group: int = 3,
        max_group: int = 200,
        min_shared: int = 3,
        alpha: float = 0.05,
    ) -> None:
        self.window = int(window_days * DAY)
        self.min_group = min_group
        self.max_group = max_group
        self.min_shared = min_shared
        self.alpha = alpha

    def candidates(self, graph: AccountGraph) -> sp.csr_matrix:
        ft = graph.follow_times
        assert ft is not None
        return lockstep_partners(
            ft.src,
            ft.dst,
            ft.t,
            graph.n,
            window=self.window,
            min_group=self.min_group,
            max_group=self.max_group,
            min_shared=self.min_shared,
        )

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        n = graph.n
        ft = graph.follow_times
        if ft is None or len(ft.src) == 0:
            return DetectorResult(self.name, np.zeros(n), parts={"partners": np.zeros(n)})
        return self.significant(graph, self.candidates(graph))

    def significant(self, graph: AccountGraph, cand: sp.csr_matrix) -> DetectorResult:
        """Keep the candidate pairs whose synchrony chance cannot explain; score and explain each account."""
        n = graph.n
        ft = graph.follow_times
        assert ft is not None
        coo = sp.triu(cand, k=1).tocoo()
        partners = np.zeros(n)
        keep_pairs = sp.csr_matrix((n, n))
        expected = sp.csr_matrix((n, n))
        if coo.nnz:
            follow = sp.csr_matrix((np.ones(len(ft.src)), (ft.src, ft.dst)), shape=(n, n))
            follow.data[:] = 1.0
            chance = sync_chance(ft.dst, ft.t, n, self.window)
            rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
            lam = expected_sync(follow, chance, rows, cols)
            p = poisson.sf(coo.data - 1, np.maximum(lam, 1e-12))
            ok = p < self.alpha / max(n, coo.nnz)
            r, c, v = rows[ok], cols[ok], coo.data[ok]
            keep_pairs = sp.csr_matrix(
                (np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)
            )
            partners = np.diff(keep_pairs.indptr).astype(np.float64)
            expected = sp.csr_matrix(
                (np.concatenate([lam[ok], lam[ok]]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                shape=(n, n),
            )
        scores = 1.0 - np.power(0.5, partners / 3.0)
        res = DetectorResult(self.name, scores, parts={"partners": partners})
        days = self.window / DAY
        for i in np.flatnonzero(partners).tolist():
            row = slice(keep_pairs.indptr[i], keep_pairs.indptr[i + 1])
            top = np.argsort(-keep_pairs.data[row], kind="stable")[:5]
            best = int(top[0])
            shared = int(keep_pairs.data[row][best])
            exp = float(expected[i, int(keep_pairs.indices[row][best])])
            res.add(
                i,
                Evidence(
                    "graph",
                    f"followed the same accounts within {days:g} days as {int(partners[i])} other account(s) "
                    f"more often than chance allows (up to {shared} synchronised targets with one of them, "
                    f"{exp:.2f} expected from those targets' own follow timing)",
                    {
                        "detector": self.name,
                        "partners": int(partners[i]),
                        "synchronised": shared,
                        "expected": round(exp, 4),
                        "examples": [graph.ids[j] for j in keep_pairs.indices[row][top].tolist()],
                    },
                ),
            )
        return res
