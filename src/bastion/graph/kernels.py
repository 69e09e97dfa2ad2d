"""Compiled loops of the graph stages (numba), where numpy would build what the loop only counts.

Why compiled: the group search reads only the ties whose ends share contacts; as a sparse product that is
every pair of accounts with a contact in common (millions on a 0.7M-edge platform), built, sorted and then
masked down to the tens of thousands of ties. Lockstep counted (target, window) keys of every follow in an
array of every possible key, then gathered the rows of its candidate pairs to multiply them; here it
groups the follows by target once (a counting sort) and counts one target's windows at a time, and sums a
pair's shared targets from the two rows. Finding where a few entries are stored sorted every entry of
their rows. A loop counts, or finds, what is asked and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from bastion.graph.container import FloatArray, IntArray

#: 32- or 64-bit integers: arrays a kernel narrows where the values fit
Narrow = npt.NDArray[np.signedinteger[Any]]

F = TypeVar("F", bound=Callable[..., Any])


def _jit(fn: F) -> F:
    """Typed wrapper around numba's decorator (compiled on first call, cached on disk next to the module)."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


@_jit
def _shared_ties(
    indptr: Any, indices: Any, data: Any, hub_degree: int, min_shared: int
) -> tuple[Any, Any]:  # pragma: no cover - compiled; covered through shared_contact_ties
    n = len(indptr) - 1
    deg = np.zeros(n, np.int64)
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            if indices[p] != i and data[p] != 0:
                deg[i] += 1
    # each account's contacts that are no hubs (the only ones a tie's ends can share), listed once
    own = np.zeros(n + 1, np.int64)
    for i in range(n):
        own[i + 1] = own[i]
        for p in range(indptr[i], indptr[i + 1]):
            x = indices[p]
            if x != i and data[p] != 0 and deg[x] <= hub_degree:
                own[i + 1] += 1
    near = np.empty(own[n], np.int64)
    for i in range(n):
        k = own[i]
        for p in range(indptr[i], indptr[i + 1]):
            x = indices[p]
            if x != i and data[p] != 0 and deg[x] <= hub_degree:
                near[k] = x
                k += 1
    mark = np.full(n, -1, np.int64)
    rows = np.empty(len(indices) + 1, np.int64)  # room for every entry: no write out of bounds, whatever
    cols = np.empty(len(indices) + 1, np.int64)  # the input (a symmetric one fills half)
    k = 0
    for i in range(n):
        if own[i + 1] - own[i] < min_shared:
            continue
        for p in range(own[i], own[i + 1]):
            mark[near[p]] = i
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            # each tie once, read from its end of higher (degree, index): the other end's list is the shorter
            if j == i or data[p] == 0 or deg[j] > deg[i] or (deg[j] == deg[i] and j > i):
                continue
            c = 0
            for q in range(own[j], own[j + 1]):
                if mark[near[q]] == i:
                    c += 1
                    if c >= min_shared:
                        break
            if c >= min_shared:
                rows[k], cols[k] = min(i, j), max(i, j)
                k += 1
    return rows[:k], cols[:k]


def shared_contact_ties(
    indptr: IntArray, indices: IntArray, data: Any, hub_degree: int, min_shared: int
) -> tuple[IntArray, IntArray]:
    """The ties (each pair once, ``row < col``, in row-major order) of a symmetric CSR graph whose two ends
    share at least ``min_shared`` contacts of degree at most ``hub_degree`` (the diagonal and explicit zeros
    are no ties). Each tie costs the contacts that are no hubs of its end of lower degree (listed once:
    half of a 0.7M-edge platform's candidates' contacts were hubs), so a hub's ties cost what its contacts
    have, never the square of its own degree."""
    n = len(indptr) - 1
    rows, cols = _shared_ties(indptr, indices, data, hub_degree, min_shared)
    order = np.argsort(rows * max(n, 1) + cols, kind="stable")
    return np.asarray(rows[order], dtype=np.int64), np.asarray(cols[order], dtype=np.int64)


@_jit
def _by_target(src: Any, dst: Any, t: Any, n: int, by_src: Any, by_t: Any) -> Any:  # pragma: no cover
    start = np.zeros(n + 1, np.int64)
    for e in range(len(dst)):
        start[dst[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:n].copy()
    t0 = t.min()
    for e in range(len(dst)):
        p = fill[dst[e]]
        by_src[p], by_t[p] = src[e], t[e] - t0
        fill[dst[e]] = p + 1
    span = np.zeros(n, np.int64)
    for d in range(n):
        if start[d + 1] > start[d]:
            lo = hi = by_t[start[d]]
            for p in range(start[d] + 1, start[d + 1]):
                lo, hi = min(lo, by_t[p]), max(hi, by_t[p])
            span[d] = hi - lo
    return start, span


def events_by_target(
    src: IntArray, dst: IntArray, t: IntArray, n: int
) -> tuple[IntArray, Narrow, Narrow, IntArray]:
    """Follow events grouped by target, in their order within a target (a counting sort): target ``d``'s
    followers and times (seconds after the first event) are ``start[d]:start[d + 1]`` of the returned
    arrays, 32-bit where they fit (scattering half the bytes was twice as fast); and each target's span
    (its last follow's time less its first's)."""
    if not len(t):
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(n + 1, dtype=np.int64), empty, empty, np.zeros(n, dtype=np.int64)
    by_src: Narrow = np.empty(len(src), dtype=np.int32 if n <= np.iinfo(np.int32).max else np.int64)
    narrow = int(t.max()) - int(t.min()) <= np.iinfo(np.int32).max
    by_t: Narrow = np.empty(len(t), dtype=np.int32 if narrow else np.int64)
    start, span = _by_target(src, dst, t, n, by_src, by_t)
    return np.asarray(start, dtype=np.int64), by_src, by_t, np.asarray(span, dtype=np.int64)


@_jit
def _window_peaks(start: Any, h: Any, hper: int, min_group: int) -> Any:  # pragma: no cover - compiled
    n = len(start) - 1
    peak = np.zeros(n, np.int64)
    c = np.zeros(hper + 2, np.int64)  # counts of one target's half windows
    for d in range(n):
        a, b = start[d], start[d + 1]
        if b - a < min_group:
            continue
        for p in range(a, b):
            c[h[p]] += 1
        best = 0
        for p in range(a, b):
            best = max(best, c[h[p] - 1] + c[h[p]], c[h[p]] + c[h[p] + 1])
        for p in range(a, b):
            c[h[p]] = 0
        peak[d] = best
    return peak


def window_peaks(start: IntArray, h: Narrow, min_group: int) -> IntArray:
    """Per target (events grouped by ``events_by_target``; ``h``: each event's half window, from 1): the
    most follows in one window of two adjacent half windows, over both offsets (every two adjacent half
    windows are one window of one offset); 0 for targets with fewer than ``min_group`` followers. Counted
    target by target in an array of one target's half windows (an array of every target's half windows
    cost more in half windows nobody followed in than in follows)."""
    hper = int(h.max()) if len(h) else 0
    return np.asarray(_window_peaks(start, h, hper, min_group), dtype=np.int64)


@_jit
def _bursts(
    start: Any, src: Any, h: Any, parity: int, need: Any, max_group: int, out: Any
) -> tuple[int, Any]:  # pragma: no cover - compiled; covered through burst_members
    n = len(start) - 1
    hper = 0
    for p in range(len(h)):
        hper = max(hper, h[p])
    c = np.zeros(hper + 2, np.int64)
    bid = np.full(hper + 2, -1, np.int64)  # burst of the window whose first half window is h, at bid[h]
    made = np.zeros(2, np.int64)
    k = 0
    for d in range(n):
        if need[d] > max_group:
            continue
        a, b = start[d], start[d + 1]
        for p in range(a, b):
            c[h[p]] += 1
        for p in range(a, b):
            for w in range(h[p] - 1, h[p] + 1):  # the two windows that hold half window h, one per offset
                count = c[w] + c[w + 1]
                if count < need[d] or count > max_group:
                    continue
                shift = (w + parity) % 2  # a window of offset s starts at an absolute half window 2j - s
                if bid[w] < 0:
                    bid[w] = made[shift]
                    made[shift] += 1
                out[k, 0], out[k, 1], out[k, 2] = src[p], bid[w], shift
                k += 1
        for p in range(a, b):
            c[h[p]] = 0
            bid[h[p] - 1] = -1
            bid[h[p]] = -1
    return k, made


def burst_members(
    start: IntArray, src: Narrow, h: Narrow, parity: int, need: IntArray, max_group: int
) -> tuple[IntArray, tuple[int, int]]:
    """The bursts: windows (two adjacent half windows) in which a target gained at least its ``need`` and
    at most ``max_group`` followers (events grouped by ``events_by_target``, ``h`` as for
    ``window_peaks``; ``parity``: the absolute parity of half window 0, which says which offset a window
    belongs to). Rows (account, burst, offset) for every follow in a burst (an account that followed twice
    in one is listed twice), bursts numbered per offset, and the number of bursts of each offset. Reads
    only the targets whose ``need`` is at most ``max_group``, once: each of their follows is in at most two
    bursts, one per offset, which bounds the rows."""
    deg = np.diff(start)
    out = np.empty((2 * int(deg[need <= max_group].sum()), 3), dtype=np.int64)
    rows, made = _bursts(start, src, h, parity, need, max_group, out)
    return out[:rows], (int(made[0]), int(made[1]))


@_jit
def _sorted_positions(indptr: Any, indices: Any, rows: Any, cols: Any) -> Any:  # pragma: no cover - compiled
    out = np.full(len(rows), -1, np.int64)
    for k in range(len(rows)):
        r, c = rows[k], cols[k]
        lo, end = indptr[r], indptr[r + 1]
        hi = end
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < c:
                lo = mid + 1
            else:
                hi = mid
        if lo < end and indices[lo] == c:
            out[k] = lo
    return out


def sorted_positions(indptr: IntArray, indices: IntArray, rows: IntArray, cols: IntArray) -> IntArray:
    """Where entry (rows[k], cols[k]) of a CSR matrix whose rows are sorted is stored, -1 where it is not
    (the first of duplicates): a binary search per entry, in its own row."""
    return np.asarray(_sorted_positions(indptr, indices, rows, cols), dtype=np.int64)


@_jit
def _pair_sums(
    indptr: Any, indices: Any, data: Any, rows: Any, cols: Any, weight: Any
) -> Any:  # pragma: no cover
    out = np.zeros(len(rows))
    mark = np.full(len(indptr) - 1, -1, np.int64)
    value = np.zeros(len(indptr) - 1)
    last = -1
    for k in range(len(rows)):
        r, c = rows[k], cols[k]
        if r != last:  # marks of r are r's row, whenever they were set
            for p in range(indptr[r], indptr[r + 1]):
                mark[indices[p]] = r
                value[indices[p]] = data[p]
            last = r
        s = 0.0
        for q in range(indptr[c], indptr[c + 1]):
            x = indices[q]
            if mark[x] == r:
                s += (value[x] * data[q]) * weight[x]
        out[k] = s
    return out


def pair_sums(
    indptr: IntArray, indices: IntArray, data: Any, rows: IntArray, cols: IntArray, weight: FloatArray
) -> FloatArray:
    """Per pair (rows[k], cols[k]) of a CSR matrix in canonical form (rows sorted, no duplicates): the sum
    over the columns both rows hold, in column order, of the product of their two entries times
    ``weight[column]`` (what ``m[rows].multiply(m[cols]) @ weight`` gives, without either matrix). Each pair
    costs its second row; its first row is marked once per run of equal ``rows``."""
    return np.asarray(_pair_sums(indptr, indices, data, rows, cols, weight), dtype=np.float64)


@_jit
def _within_groups(indptr: Any, indices: Any, group: Any, s: Any) -> tuple[Any, Any]:  # pragma: no cover
    n = len(indptr) - 1
    into = np.zeros(n)
    out = np.zeros(n)
    for r in range(n):
        g = group[r]
        if g < 0:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            c = indices[p]
            if group[c] == g:
                into[c] += s[r]
                out[r] += s[c]
    return into, out


def within_groups(
    indptr: IntArray, indices: IntArray, group: IntArray, s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per account, over the entries of a CSR matrix (row -> column) whose two ends are in one group
    (``group``, -1: none): the sum of ``s`` of the rows into it, and of the columns out of it (what
    ``m.T @ s`` and ``m @ s`` give from those entries alone, added in row-major order). Reads the rows of
    group members only, and builds nothing."""
    into, out = _within_groups(indptr, indices, group, s)
    return np.asarray(into, dtype=np.float64), np.asarray(out, dtype=np.float64)


@_jit
def _weigh_circles(
    indptr: Any, indices: Any, data: Any, group: Any, circle: Any, trust: Any, coordinated: Any
) -> Any:  # pragma: no cover - compiled; covered through weigh_circles
    out = data.astype(np.float64)
    for r in range(len(indptr) - 1):
        if circle[r] < 0:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            c = indices[p]
            if circle[c] == circle[r] and not coordinated[p]:
                out[p] *= max(trust[group[r]], trust[group[c]])
    return out


def weigh_circles(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    group: IntArray,
    circle: IntArray,
    trust: FloatArray,
    coordinated: Any,
) -> FloatArray:
    """A copy of a CSR matrix's ``data`` with each entry between two members of one circle (``circle``, -1:
    none) times the larger ``trust`` of their two groups, unless the entry is ``coordinated`` (one flag per
    stored entry). Reads the rows of circle members only."""
    return np.asarray(
        _weigh_circles(indptr, indices, data, group, circle, trust, coordinated), dtype=np.float64
    )


@_jit
def _core_neighbourhood(
    indptr: Any, indices: Any, core: Any
) -> tuple[Any, Any]:  # pragma: no cover - compiled
    n = len(indptr) - 1
    into = np.zeros(n, np.int64)
    near = core.copy()
    for r in range(n):
        for p in range(indptr[r], indptr[r + 1]):
            c = indices[p]
            into[c] += 1
            if core[r]:
                near[c] = True
            if core[c]:
                near[r] = True
    return into, near


def core_neighbourhood(indptr: IntArray, indices: IntArray, core: Any) -> tuple[IntArray, Any]:
    """Over a CSR matrix of contacts: each account's in-degree (stored entries), and the ``core`` accounts
    with every account that contacts one of them or is contacted by one: one pass over the entries."""
    into, near = _core_neighbourhood(indptr, indices, np.asarray(core, dtype=np.bool_))
    return np.asarray(into, dtype=np.int64), near


@_jit
def _groups_chosen(indptr: Any, indices: Any, group: Any, k: int) -> tuple[Any, Any]:  # pragma: no cover
    who = np.empty(len(indices), np.int64)
    of = np.empty(len(indices), np.int64)
    last = np.full(k, -1, np.int64)  # the last row that chose a member of each group
    m = 0
    for r in range(len(indptr) - 1):
        for p in range(indptr[r], indptr[r + 1]):
            g = group[indices[p]]
            if g >= 0 and g != group[r] and last[g] != r:
                last[g] = r
                who[m] = r
                of[m] = g
                m += 1
    return who[:m], of[:m]


def groups_chosen(indptr: IntArray, indices: IntArray, group: IntArray, k: int) -> tuple[IntArray, IntArray]:
    """Over a CSR matrix of choices (row chose column): each (row, group) once where the row chose a member
    of a group (``group``: each column's, -1 none; ``k`` groups) that is not its own. A sort of every
    (row, group) key did the same in ten times the time."""
    who, of = _groups_chosen(indptr, indices, np.asarray(group, dtype=np.int64), k)
    return np.asarray(who, dtype=np.int64), np.asarray(of, dtype=np.int64)
