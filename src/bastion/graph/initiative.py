"""Who chose a friendship: of two accounts that follow each other, the one that followed first.

Sellers follow the users they advertise to or groom, and many users follow back whoever follows them (a
teenager's follow-for-follow habit, an auto-follow-back tool); the follow-back answers the seller's
choice. Read from the follow times, so it says nothing on a platform that sends none.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import AccountGraph, BoolArray


def followed_back(graph: AccountGraph, of: BoolArray) -> sp.csr_matrix:
    """Entry (i, j) is 1 where j is one of ``of``, i follows j and i's first follow of j came after j's
    first follow of i (i followed back); empty where the platform sent no follow times. Reads only the
    follows into and out of ``of``, so its cost follows their degrees."""
    n = graph.n
    ft = graph.follow_times
    empty = sp.csr_matrix((n, n))
    if ft is None or not len(ft.src) or not of.any():
        return empty
    near = of[ft.src] | of[ft.dst]
    src, dst, t = ft.src[near], ft.dst[near], ft.t[near]
    key = src * np.int64(n) + dst
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]  # each pair's earliest follow
    key, t = key[first], t[first]
    a, b = np.divmod(key, np.int64(n))
    mine = of[b]  # a follows b, b one of ``of``: did b follow a first?
    back = b[mine] * np.int64(n) + a[mine]
    at = np.minimum(np.searchsorted(key, back), len(key) - 1)
    answered = (key[at] == back) & (t[mine] > t[at])
    rows, cols = a[mine][answered], b[mine][answered]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
