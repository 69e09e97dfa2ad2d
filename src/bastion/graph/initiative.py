"""Who chose a friendship: of two accounts that follow each other, the one that followed first.

Sellers follow the users they advertise to or groom, and many users follow back whoever follows them (a
teenager's follow-for-follow habit, an auto-follow-back tool); the follow-back answers the seller's
choice. Read from the follow times, so it says nothing on a platform that sends none.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import AccountGraph, BoolArray, IntArray


def followed_back(graph: AccountGraph, of: BoolArray, group: IntArray | None = None) -> sp.csr_matrix:
    """Entry (i, j) is 1 where j is one of ``of``, i follows j and i's first follow of j came after j's
    first follow of i (i followed back); empty where the platform sent no follow times. Inside one tight
    group (``group``, -1: none; ``cells.py``) an account that followed a group-mate first itself is a
    peer, whoever followed first between it and the others: a seller whose cell-mates happened to follow
    it before it followed them chose them as much; a user the sellers reached out to, drawn into their
    group by their follows, chose none of them first. Reads only the follows into and out of ``of`` (and,
    with ``group``, those inside groups), so its cost follows their degrees."""
    n = graph.n
    ft = graph.follow_times
    empty = sp.csr_matrix((n, n))
    if ft is None or not len(ft.src) or not of.any():
        return empty
    a, b, answered = _answers(ft.src, ft.dst, ft.t, n, of[ft.src] | of[ft.dst], of)
    rows, cols = a[answered], b[answered]
    if group is not None:
        inside = (group[ft.src] >= 0) & (group[ft.src] == group[ft.dst])
        x, _, late = _answers(ft.src, ft.dst, ft.t, n, inside, np.ones(n, dtype=bool))
        peer = np.zeros(n, dtype=bool)
        peer[x[~late]] = True  # followed a group-mate first
        apart = (group[rows] != group[cols]) | (group[rows] < 0) | ~peer[rows]
        rows, cols = rows[apart], cols[apart]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _answers(
    src: IntArray, dst: IntArray, t: IntArray, n: int, read: BoolArray, to: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """The first follow of each pair among the ``read`` events whose target is one of ``to``: follower,
    followed, and whether it came after the followed account's first follow of the follower."""
    key = src[read] * np.int64(n) + dst[read]
    when = t[read]
    order = np.lexsort((when, key))
    key, when = key[order], when[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]  # each pair's earliest follow
    key, when = key[first], when[first]
    a, b = np.divmod(key, np.int64(n))
    mine = to[b]
    a, b, when_ab = a[mine], b[mine], when[mine]
    back = b * np.int64(n) + a
    at = np.minimum(np.searchsorted(key, back), max(len(key) - 1, 0))
    late = (key[at] == back) & (when_ab > when[at]) if len(key) else np.zeros(0, dtype=bool)
    return a, b, np.asarray(late, dtype=bool)
