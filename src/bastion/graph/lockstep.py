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
from bastion.graph.kernels import filled_counts

DAY = 86_400
#: A (target, window) count with a Poisson tail below this, at the target's own rate, is a burst.
BURST_P = 1e-3
#: A common follower who follows more accounts than this is a bulk follower: it joins no circle.
CIRCLE_HUB = 50
#: Row entries gathered at once when computing expectations (bounds memory on hub-heavy graphs).
_CHUNK_ENTRIES = 4_000_000
#: (target, half window) keys are counted in an array of all possible keys, instead of sorted, when there
#: are at most this many possible keys per follow and at most ``COUNT_SPACE_MAX`` in all (8 bytes each:
#: 64 MiB at most).
COUNT_SPACE_PER_KEY, COUNT_SPACE_MAX = 8, 1 << 23


@dataclass(frozen=True, slots=True)
class Buckets:
    """One offset's (target, window) buckets: distinct keys sorted and their counts; key // per is the
    target. Window j of this offset is half windows 2j - shift and 2j + 1 - shift."""

    keys: IntArray
    counts: IntArray
    per: int
    lo: int
    half: int
    shift: int

    def key(self, dst: IntArray, t: IntArray) -> IntArray:
        """The bucket key of each follow event (only the events read are keyed, not all of them)."""
        return np.asarray(dst, dtype=np.int64) * self.per + ((t // self.half + self.shift) // 2 - self.lo)


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

    def windows(self, window: int, min_group: int = 1) -> list[Buckets]:
        """The buckets of at least ``min_group`` follows at offsets 0 and window / 2 (no smaller one can pair
        anyone). Both come from one sort of (target, half window) keys, since each offset's window is two
        adjacent half windows (sorting was most of a run; packed in 32 bits when they fit, twice as fast
        again). Events of targets with fewer than ``min_group`` followers are never sorted, and half windows
        that fill no bucket with either neighbour are dropped before buckets are formed (on a platform of
        uniformly timed follows that is nearly all of them)."""
        if window % 2:
            raise ValueError(f"lockstep window must be an even number of seconds, got {window}")
        half = window // 2
        dst, t = self.dst, self.t
        hlo = int(t.min()) // half if len(t) else 0
        hper = int(t.max()) // half - hlo + 1 if len(t) else 1
        if min_group > 1:
            keep = self.deg[dst] >= min_group
            dst, t = dst[keep], t[keep]
        space = len(self.deg) * hper
        narrow = np.dtype(np.int32 if space < np.iinfo(np.int32).max else np.int64)
        hkeys, hcounts = _distinct(
            dst.astype(narrow) * hper + (t // half - hlo).astype(narrow), space, min_group
        )
        target, hh = np.divmod(hkeys.astype(np.int64), hper)
        hh += hlo
        out = []
        for shift in (0, 1):
            lo = (hlo + shift) // 2
            per = (hlo + hper - 1 + shift) // 2 - lo + 1
            keys, starts = _runs(target * per + ((hh + shift) // 2 - lo), counts=False)  # sorted, as hkeys
            counts = np.add.reduceat(hcounts, starts) if len(starts) else np.zeros(0, dtype=np.int64)
            full = counts >= min_group
            out.append(Buckets(keys[full], counts[full], per, lo, half, shift))
        return out

    def burst_need(
        self,
        window: int,
        burst_p: float,
        min_group: int,
        max_group: int,
        counted: list[Buckets] | None = None,
    ) -> IntArray:
        """Per target: the fewest followers in one window that its own steady rate (followers x window /
        span) makes implausible at ``burst_p``, never fewer than ``min_group``; ``max_group + 1`` where that
        is more than ``max_group`` (no bucket of that size pairs anyone). Computed only for targets that reach
        ``min_group`` in some window; the others cannot pair anyone. Both engines use it; ``counted`` reuses
        buckets already counted."""
        counted = counted or self.windows(window, min_group)
        need = np.full(len(self.deg), max_group + 1, dtype=np.int64)
        big = [c.keys[c.counts >= min_group] // c.per for c in counted]
        targets = np.unique(np.concatenate(big))
        rate = self.deg[targets] * window / np.maximum(self.span[targets], window)
        need[targets] = poisson_need(rate, burst_p, min_group, max_group + 1)
        return need


def _distinct(keys: IntArray, space: int, min_group: int) -> tuple[IntArray, IntArray]:
    """Distinct values of ``keys`` (all in [0, space)), sorted, with their counts, those that fill no bucket
    of ``min_group`` with either neighbour dropped (``_fill``): counted in an array of the key space where
    it is a few times the keys (``kernels.filled_counts``), else sorted; ``keys`` is consumed (sorted in
    place: no copy of ten million keys beside it)."""
    if space <= max(COUNT_SPACE_PER_KEY * len(keys), 1) and space <= COUNT_SPACE_MAX:
        return filled_counts(keys, space, min_group)
    keys.sort()
    return _fill(*_runs(keys), min_group)


def _runs(ordered: IntArray, counts: bool = True) -> tuple[IntArray, IntArray]:
    """Distinct values of a sorted array with their counts (``counts``) or their first positions."""
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    return ordered[starts], (np.diff(np.append(starts, len(ordered))) if counts else starts)


def _fill(hkeys: IntArray, hcounts: IntArray, min_group: int) -> tuple[IntArray, IntArray]:
    """The half windows (sorted keys, counts) that reach ``min_group`` alone or with the half window just
    before or after (a key one apart; one that belongs to the next target only keeps a few too many)."""
    tied = np.flatnonzero(hkeys[1:] == hkeys[:-1] + 1)  # pairs (i, i + 1); few on ordinary timing
    keep = hcounts >= min_group
    pair = hcounts[tied] + hcounts[tied + 1] >= min_group
    keep[tied[pair]] = True
    keep[tied[pair] + 1] = True
    return hkeys[keep], hcounts[keep]


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
    counted = tl.windows(window, min_group)
    need = tl.burst_need(window, burst_p, min_group, max_group, counted)
    bursts = [c.keys[(c.counts >= need[c.keys // c.per]) & (c.counts <= max_group)] for c in counted]
    bursting = np.zeros(n, dtype=bool)  # targets with a burst at all: their events are the only ones read
    for b, c in zip(bursts, counted, strict=True):
        bursting[b // c.per] = True
    ev_all = np.flatnonzero(bursting[tl.dst])
    best: sp.csr_matrix | None = None
    for b, c in zip(bursts, counted, strict=True):
        if not len(b):
            continue
        ev, key = _within(b, c, ev_all, tl, n)
        pos = np.minimum(np.searchsorted(b, key), len(b) - 1)
        hit = b[pos] == key
        ev, pos = ev[hit], pos[hit]
        a = sp.csr_matrix((np.ones(len(ev)), (tl.src[ev], pos)), shape=(n, len(b)), dtype=np.float64)
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


def _within(b: IntArray, c: Buckets, ev: IntArray, tl: Timeline, n: int) -> tuple[IntArray, IntArray]:
    """The events of ``ev`` (and their bucket keys) that fall between their target's first and last burst
    of this offset: only those are looked up among the bursts (a bursting target has one or two, and most
    of its followers came at other times)."""
    target = b // c.per  # b is sorted, so each target's bursts are one run
    starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
    ends = np.r_[starts[1:], len(b)] - 1
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    first[target[starts]], last[target[starts]] = b[starts], b[ends]
    dst = tl.dst[ev]
    key = c.key(dst, tl.t[ev])
    near = (key >= first[dst]) & (key <= last[dst])
    return ev[near], key[near]


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
