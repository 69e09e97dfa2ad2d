"""Compiled loops of the graph stages (numba), where numpy would build what the loop only counts.

Why compiled: the group search reads only the ties whose ends share contacts; as a sparse product that is
every pair of accounts with a contact in common (millions on a 0.7M-edge platform), built, sorted and then
masked down to the tens of thousands of ties. Lockstep's (target, half window) counts were five passes
over an array of every possible key (count, find, gather, then the neighbours' sums). Finding where a few
entries are stored sorted every entry of their rows. A loop counts, or finds, what is asked and nothing
else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from bastion.graph.container import IntArray

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
    mark = np.full(n, -1, np.int64)
    rows = np.empty(len(indices) + 1, np.int64)  # room for every entry: no write out of bounds, whatever
    cols = np.empty(len(indices) + 1, np.int64)  # the input (a symmetric one fills half)
    k = 0
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):  # i's contacts that are no hubs
            x = indices[p]
            if x != i and data[p] != 0 and deg[x] <= hub_degree:
                mark[x] = i
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            # each tie once, read from its end of higher (degree, index): the other end's list is the shorter
            if j == i or data[p] == 0 or deg[j] > deg[i] or (deg[j] == deg[i] and j > i):
                continue
            c = 0
            for q in range(indptr[j], indptr[j + 1]):
                x = indices[q]
                if x != j and data[q] != 0 and deg[x] <= hub_degree and mark[x] == i:
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
    are no ties). Each tie costs the contacts of its end of lower degree, so a hub's ties cost what its
    contacts have, never the square of its own degree."""
    n = len(indptr) - 1
    rows, cols = _shared_ties(indptr, indices, data, hub_degree, min_shared)
    order = np.argsort(rows * max(n, 1) + cols, kind="stable")
    return np.asarray(rows[order], dtype=np.int64), np.asarray(cols[order], dtype=np.int64)


@_jit
def _filled(keys: Any, space: int, min_group: int) -> tuple[Any, Any]:  # pragma: no cover - compiled
    counts = np.zeros(space, np.int32)  # a half window holds at most its target's followers
    for k in keys:
        counts[k] += 1
    out_keys = np.empty(min(len(keys), space), keys.dtype)
    out_counts = np.empty(min(len(keys), space), np.int64)
    m = 0
    for k in range(space):
        c = counts[k]
        if c == 0:
            continue
        if (
            c >= min_group
            or (k > 0 and c + counts[k - 1] >= min_group)
            or (k + 1 < space and c + counts[k + 1] >= min_group)
        ):
            out_keys[m], out_counts[m] = k, c
            m += 1
    return out_keys[:m], out_counts[:m]


def filled_counts(keys: IntArray, space: int, min_group: int) -> tuple[IntArray, IntArray]:
    """The distinct values of ``keys`` (all in [0, space)), ascending, with their counts, keeping only those
    that reach ``min_group`` alone or with the value just below or above (counted in an array of
    ``space``: the caller keeps it a few times the keys)."""
    out_keys, out_counts = _filled(keys, space, min_group)
    return np.asarray(out_keys), np.asarray(out_counts, dtype=np.int64)


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
