"""Lockstep behaviour scored against chance (CopyCatch / SynchroTrap style).

Two accounts that follow the same targets within the same short window are suspicious only if that happens
more often than the platform's own timing predicts. For each target the chance that two of its followers
follow it within one window is about 2W / span (span: how long the target has been gaining followers), so a
pair's expected number of synchronised targets is the sum of that over the targets they share. A pair
counts only when its observed count is improbable under that Poisson expectation after a Bonferroni
correction over the pairs tested: uniform random follow times and popular targets produce nothing, a group
created together and steered by one operator does. Friends are not strangers in step: a pair that follows
each other, has a friend in common or is followed by the same account that follows few (``one_circle``) is
a circle arriving together (a class, a club moving platforms) and is not counted; a cell acting together is
what the cell search reads (``cells.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import pdtrc
from scipy.stats import poisson

from bastion.graph.container import FOLLOW, AccountGraph, FloatArray, IntArray
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register
from bastion.graph.kernels import Narrow, burst_members, events_by_target, pair_sums, window_peaks

DAY = 86_400
#: A (target, window) count with a Poisson tail below this, at the target's own rate, is a burst.
BURST_P = 1e-3
#: A common follower who follows more accounts than this is a bulk follower: it joins no circle.
CIRCLE_HUB = 50


@dataclass(frozen=True, slots=True)
class Timeline:
    """Follow events grouped by target (a counting sort: target d's followers and times are
    ``src[start[d]:start[d + 1]]`` and ``t[...]``), with per-target spans and follower counts: windows are
    counted one target at a time in an array of its own half windows (``kernels.window_peaks``,
    ``kernels.burst_members``); no event or packed (target, window) key is ever compared in a sort (sorting
    keys, then counting them in an array of every target's windows, was most of lockstep's time)."""

    start: IntArray
    src: Narrow
    #: seconds after ``t0``, the first event
    t: Narrow
    t0: int
    deg: FloatArray
    span: FloatArray

    @classmethod
    def of(cls, src: IntArray, dst: IntArray, t: IntArray, n: int) -> Timeline:
        as64 = [np.asarray(x, dtype=np.int64) for x in (src, dst, t)]
        start, by_src, by_t, span = events_by_target(as64[0], as64[1], as64[2], n)
        t0 = int(np.min(t)) if len(t) else 0
        return cls(start, by_src, by_t, t0, np.diff(start).astype(np.float64), span.astype(np.float64))

    def chance(self, window: int) -> FloatArray:
        """Per target: the chance that two of its followers follow it within one window (2W / span)."""
        return np.asarray(np.minimum(1.0, 2.0 * window / np.maximum(self.span, window)), dtype=np.float64)

    def halves(self, window: int) -> tuple[Narrow, int]:
        """Each event's half window of ``window`` seconds counted from the epoch, renumbered from 1 (0 is
        the empty one before the first), and the parity of the absolute half window renumbered 0 (which
        offset a window belongs to)."""
        half = _half(window)
        hlo = self.t0 // half - 1
        # t0 + t = (hlo * half) + (t0 - hlo * half) + t, and the first term is whole half windows
        shift = self.t0 - hlo * half
        t = (
            self.t
            if len(self.t) and int(self.t.max()) + shift <= np.iinfo(self.t.dtype).max
            else self.t.astype(np.int64)
        )
        return (t + shift) // half, hlo % 2

    def burst_need(self, window: int, burst_p: float, min_group: int, max_group: int) -> IntArray:
        """Per target: the fewest followers in one window that its own steady rate (followers x window /
        span) makes implausible at ``burst_p``, never fewer than ``min_group``, where the target's busiest
        window (of either offset, counted at most ``max_group``) reaches it; elsewhere ``max_group + 1``: no
        window of the target pairs anyone. Both engines use it."""
        return self._need(self.halves(window)[0], window, burst_p, min_group, max_group)

    def _need(self, h: Narrow, window: int, burst_p: float, min_group: int, max_group: int) -> IntArray:
        peak = np.minimum(window_peaks(self.start, h, min_group), max_group)
        need = np.full(len(self.deg), max_group + 1, dtype=np.int64)
        targets = np.flatnonzero(peak >= min_group)
        rate = self.deg[targets] * window / np.maximum(self.span[targets], window)
        # a target whose busiest window is plausible at its own rate has no burst: one tail each tells,
        # and only the others' thresholds are searched for
        can = pdtrc(peak[targets] - 1, rate) <= burst_p
        targets, rate = targets[can], rate[can]
        need[targets] = poisson_need(rate, burst_p, min_group, max_group + 1)
        return need


def _half(window: int) -> int:
    """Half the window: each offset's window is two adjacent half windows, so it must be even."""
    if window % 2:
        raise ValueError(f"lockstep window must be an even number of seconds, got {window}")
    return window // 2


def poisson_need(rate: FloatArray, p: float, lo: int, hi: int) -> IntArray:
    """Per rate: the smallest k in [lo, hi] with P(X >= k) <= p for X ~ Poisson(rate), or hi. Stepping k up
    over the rates still above p reads the exact tail at most hi - lo times (scipy's inverse searches per
    value and was most of the burst test)."""
    need = np.full(len(rate), lo, dtype=np.int64)
    open_ = np.flatnonzero(pdtrc(lo - 1, rate) > p)
    k = lo
    while len(open_) and k < hi:
        k += 1
        need[open_] = k
        open_ = open_[pdtrc(k - 1, rate[open_]) > p]
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
    h, parity = tl.halves(window)
    need = tl._need(h, window, burst_p, min_group, max_group)
    rows, made = burst_members(tl.start, tl.src, h, parity, need, max_group)
    best: sp.csr_matrix | None = None
    for shift, bursts in enumerate(made):
        if not bursts:
            continue
        mine = rows[rows[:, 2] == shift]
        a = sp.csr_matrix((np.ones(len(mine)), (mine[:, 0], mine[:, 1])), shape=(n, bursts), dtype=np.float64)
        a.data[:] = 1.0
        # an account in fewer than min_shared bursts shares that many with no one: its pairs (most of the
        # chance pairs, each in one burst together) are never formed
        a = sp.csr_matrix(sp.diags((np.diff(a.indptr) >= min_shared).astype(np.float64)) @ a)
        a.eliminate_zeros()
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
    """Expected synchronised targets per pair: the chance summed over the targets both follow (a compiled
    loop over the pair's two rows: gathering the rows of the pairs and multiplying them was a quarter of
    lockstep's time)."""
    f = follow if follow.has_canonical_format else follow.copy()
    f.sum_duplicates()
    return pair_sums(f.indptr, f.indices, f.data, rows, cols, np.asarray(chance, dtype=np.float64))


def one_circle(follow: sp.csr_matrix, rows: IntArray, cols: IntArray) -> npt.NDArray[np.bool_]:
    """Per pair (rows[k], cols[k]): one circle acting together (a class, a club moving platforms together)
    rather than strangers in step: either follows the other, they have a friend in common (a follow both
    ways with each), or someone who is no hub (follows at most ``CIRCLE_HUB`` accounts) follows both.
    Strangers in a follow farm or a swarm answering an ad share the accounts they follow, not their
    friends or the people who follow them. Reads only the accounts in the pairs."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    who = np.unique(np.concatenate([rows, cols]))
    a, b = np.searchsorted(who, rows), np.searchsorted(who, cols)
    out_deg = np.diff(follow.indptr)
    followers = sp.csr_matrix(follow[:, who].T)  # row k: who follows who[k]
    friends = sp.csr_matrix(followers.multiply(follow[who]))  # row k: who[k]'s friends (both ways)
    followers = sp.csr_matrix(followers.multiply((out_deg <= CIRCLE_HUB)[None, :].astype(np.float64)))
    common = np.asarray(followers[a].multiply(followers[b]).sum(axis=1)).ravel()
    common += np.asarray(friends[a].multiply(friends[b]).sum(axis=1)).ravel()
    direct = np.asarray(follow[rows, cols]).ravel() + np.asarray(follow[cols, rows]).ravel()
    return np.asarray((common > 0) | (direct > 0), dtype=bool)


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
        self.window = max(2, int(window_days * DAY) // 2 * 2)  # even: the offset window is two half windows
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
            ok[ok] = ~one_circle(follow, rows[ok], cols[ok])  # friends joining together: no lockstep
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
