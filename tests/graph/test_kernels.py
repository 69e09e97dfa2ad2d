"""The compiled loops give what the numpy definitions they replace give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph.kernels import filled_counts, shared_contact_ties


def _by_product(sym: sp.csr_matrix, hub: int, min_shared: int) -> set[tuple[int, int]]:
    """The definition: ties whose ends share ``min_shared`` contacts of degree <= ``hub`` (no self ties)."""
    a = sp.csr_matrix(sym, dtype=np.float64, copy=True)
    a.setdiag(0.0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    through = sp.diags((np.diff(a.indptr) <= hub).astype(np.float64))
    shared = sp.triu(sp.csr_matrix(a @ through @ a).multiply(a), k=1).tocoo()
    keep = shared.data >= min_shared
    return set(zip(shared.row[keep].tolist(), shared.col[keep].tolist(), strict=True))


@pytest.mark.parametrize("seed", range(4))
def test_shared_contact_ties_are_the_sparse_products_ties_in_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, hub = 300, 30
    src, dst = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    hubs = rng.choice(n, 5, replace=False)  # a few accounts tied to many: hubs, no shared contacts
    src = np.concatenate([src, np.repeat(hubs, 60)])
    dst = np.concatenate([dst, rng.integers(0, n, 5 * 60)])
    m = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    sym = sp.csr_matrix(m + m.T)  # the diagonal holds self ties: never a tie, never a shared contact
    rows = np.repeat(np.arange(n), np.diff(sym.indptr))
    pair = np.minimum(rows, sym.indices) * n + np.maximum(rows, sym.indices)
    sym.data[pair % 50 == 0] = 0.0  # explicit zeros (both ways, as the graph is symmetric) are no ties
    for min_shared in (1, 2, 3):
        rows, cols = shared_contact_ties(sym.indptr, sym.indices, sym.data, hub, min_shared)
        got = list(zip(rows.tolist(), cols.tolist(), strict=True))
        assert got == sorted(got) and len(set(got)) == len(got)
        assert set(got) == _by_product(sym, hub, min_shared)
        assert len(got) > 0


def test_filled_counts_keep_what_reaches_min_group_alone_or_with_a_neighbour() -> None:
    rng = np.random.default_rng(3)
    space = 5000
    keys = rng.integers(0, space, 3000).astype(np.int32)
    values, counts = np.unique(keys, return_counts=True)
    for min_group in (1, 2, 3):
        got_keys, got_counts = filled_counts(keys, space, min_group)
        full = np.zeros(space + 2, dtype=np.int64)
        full[values + 1] = counts
        c = full[values + 1]
        keep = (c >= min_group) | (c + full[values] >= min_group) | (c + full[values + 2] >= min_group)
        assert np.array_equal(got_keys, values[keep]) and np.array_equal(got_counts, counts[keep])
        assert (min_group == 1) == bool(keep.all())


def test_positions_find_the_same_entries_in_sorted_rows_as_in_unsorted_ones() -> None:
    from bastion.graph.contacts import positions

    rng = np.random.default_rng(8)
    n = 200
    m = sp.csr_matrix((rng.random(2000) + 1.0, (rng.integers(0, n, 2000), rng.integers(0, n, 2000))), (n, n))
    m.sum_duplicates()
    shuffled = m.copy()
    for r in range(n):  # the same matrix, each row's entries out of order
        lo, hi = shuffled.indptr[r], shuffled.indptr[r + 1]
        order = lo + rng.permutation(hi - lo)
        shuffled.indices[lo:hi], shuffled.data[lo:hi] = m.indices[order], m.data[order]
    shuffled.has_sorted_indices = False
    rows, cols = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    dense = m.toarray()
    for mat in (m, shuffled):
        at = positions(mat, rows, cols)
        assert np.array_equal(at >= 0, dense[rows, cols] != 0)
        assert np.array_equal(mat.data[at[at >= 0]], dense[rows, cols][at >= 0])
    assert m.has_sorted_indices and not shuffled.has_sorted_indices
