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
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.stats import poisson

from bastion.graph.container import FOLLOW, AccountGraph, FloatArray, IntArray
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register

DAY = 86_400
#: A (target, window) count with a Poisson tail below this, at the target's own rate, is a burst.
BURST_P = 1e-3
#: Row entries gathered at once when computing expectations (bounds memory on hub-heavy graphs).
_CHUNK_ENTRIES = 4_000_000


#: (key per event, distinct keys sorted, their counts, keys per target)
Buckets = tuple[IntArray, IntArray, IntArray, int]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Follow events with per-target spans and follower counts; window buckets are counted by sorting
    packed (target, window) keys alone, never by arg-sorting events (ten million arg-sorts were most of a
    run, a plain sort of keys is ten times faster)."""

    src: IntArray
    dst: IntArray
    t: IntArray
    deg: FloatArray
    span: FloatArray

    @classmethod
    def of(cls, src: IntArray, dst: IntArray, t: IntArray, n: int) -> Timeline:
        t = t.astype(np.int64)
        lo = np.full(n, np.iinfo(np.int64).max)
        hi = np.full(n, np.iinfo(np.int64).min)
        np.minimum.at(lo, dst, t)
        np.maximum.at(hi, dst, t)
        span = np.where(hi >= lo, hi - lo, 0).astype(np.float64)
        return cls(src, dst, t, np.bincount(dst, minlength=n).astype(np.float64), span)

    def chance(self, window: int) -> FloatArray:
        """Per target: the chance that two of its followers follow it within one window (2W / span)."""
        return np.asarray(np.minimum(1.0, 2.0 * window / np.maximum(self.span, window)), dtype=np.float64)

    def buckets(self, window: int, offset: int, min_group: int = 1) -> Buckets:
        """(key per event, distinct keys sorted, their counts, keys per target): events of one target within
        one window share a key; key // keys-per-target is the target. Targets with fewer than ``min_group``
        followers in all cannot fill a bucket that counts, so their keys are not sorted at all."""
        b = (self.t + offset) // window
        lo = int(b.min()) if len(b) else 0
        per = int(b.max()) - lo + 1 if len(b) else 1
        key = self.dst.astype(np.int64) * per + (b - lo)
        ordered = np.sort(key[self.deg[self.dst] >= min_group] if min_group > 1 else key)
        new = np.ones(len(ordered), dtype=bool)
        new[1:] = ordered[1:] != ordered[:-1]
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, len(ordered)))
        return key, ordered[starts], counts, per

    def burst_need(
        self,
        window: int,
        burst_p: float,
        min_group: int,
        max_group: int,
        counted: list[Buckets] | None = None,
    ) -> IntArray:
        """Per target: the fewest followers in one window that its own steady rate (followers x window /
        span) makes implausible at ``burst_p``, never fewer than ``min_group``. Computed only for targets
        that reach ``min_group`` in some window; the others cannot pair anyone. Both engines use it;
        ``counted`` reuses buckets already counted for both offsets."""
        counted = counted or [self.buckets(window, o, min_group) for o in (0, window // 2)]
        need = np.full(len(self.deg), max_group + 1, dtype=np.int64)
        big = [keys[counts >= min_group] // per for _key, keys, counts, per in counted]
        targets = np.unique(np.concatenate(big))
        rate = self.deg[targets] * window / np.maximum(self.span[targets], window)
        k = np.maximum(poisson.isf(burst_p, np.maximum(rate, 1e-12)) + 1, min_group)
        need[targets] = np.asarray(k, dtype=np.int64)
        return need


def lockstep_partners(
    tl: Timeline,
    n: int,
    *,
    window: int,
    min_group: int,
    max_group: int,
    min_shared: int,
    burst_p: float = BURST_P,
) -> sp.csr_matrix:
    """Candidate pairs sharing at least ``min_shared`` bursts; two offset bucketings catch pairs that
    straddle a boundary. A (target, window) bucket is a burst when more accounts followed the target in it
    than its own follow rate makes plausible (Poisson tail below ``burst_p``); only bursts of ``min_group``
    to ``max_group`` accounts pair their members, so a popular target's steady stream of followers never
    does and no step grows with the square of its follower count. Value = synchronised targets."""
    counted = [tl.buckets(window, o, min_group) for o in (0, window // 2)]
    need = tl.burst_need(window, burst_p, min_group, max_group, counted)
    bursts = [
        keys[(counts >= need[keys // per]) & (counts <= max_group)] for _k, keys, counts, per in counted
    ]
    bursting = np.zeros(n, dtype=bool)  # targets with a burst at all: their events are the only ones read
    for b, (_k, _keys, _counts, per) in zip(bursts, counted, strict=True):
        bursting[b // per] = True
    ev_all = np.flatnonzero(bursting[tl.dst])
    best: sp.csr_matrix | None = None
    for b, (key, _keys, _counts, _per) in zip(bursts, counted, strict=True):
        if not len(b):
            continue
        pos = np.minimum(np.searchsorted(b, key[ev_all]), len(b) - 1)
        hit = b[pos] == key[ev_all]
        ev, pos = ev_all[hit], pos[hit]
        a = sp.csr_matrix((np.ones(len(ev)), (tl.src[ev], pos)), shape=(n, len(b)), dtype=np.float64)
        a.data[:] = 1.0
        co = sp.coo_matrix(a @ a.T)
        # the best offset's count passes min_shared exactly when one offset's does: drop the rest of the
        # (many millions of) chance pairs before they are ever sorted into a matrix
        off = (co.row != co.col) & (co.data >= min_shared)
        co = sp.csr_matrix((co.data[off], (co.row[off], co.col[off])), shape=(n, n))
        best = co if best is None else best.maximum(co).tocsr()
    if best is None:
        return sp.csr_matrix((n, n))
    return sp.csr_matrix(best)


def expected_sync(follow: sp.csr_matrix, chance: FloatArray, rows: IntArray, cols: IntArray) -> FloatArray:
    """Expected synchronised targets per pair: the chance summed over the targets both follow (rows are
    gathered in chunks, so a hub in many pairs never materialises more than a chunk)."""
    deg = np.diff(follow.indptr)
    out = np.zeros(len(rows))
    start = 0
    cost = np.cumsum(deg[rows] + deg[cols])
    while start < len(rows):
        done = cost[start] - (deg[rows[start]] + deg[cols[start]])
        stop = max(int(np.searchsorted(cost, done + _CHUNK_ENTRIES)), start + 1)
        r, c = rows[start:stop], cols[start:stop]
        both = follow[r].multiply(follow[c])
        out[start:stop] = np.asarray(both @ chance).ravel()
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

    def candidates(self, graph: AccountGraph, tl: Timeline) -> sp.csr_matrix:
        return lockstep_partners(
            tl,
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
        tl = Timeline.of(ft.src, ft.dst, ft.t, n)
        return self.significant(graph, self.candidates(graph, tl), tl)

    def significant(self, graph: AccountGraph, cand: sp.csr_matrix, tl: Timeline) -> DetectorResult:
        """Keep the candidate pairs whose synchrony chance cannot explain; score and explain each account."""
        n = graph.n
        coo = sp.triu(cand, k=1).tocoo()
        partners = np.zeros(n)
        keep_pairs = sp.csr_matrix((n, n))
        expected = sp.csr_matrix((n, n))
        if coo.nnz:
            follow = graph.layer(FOLLOW)
            chance = tl.chance(self.window)
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
