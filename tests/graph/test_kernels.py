"""The compiled loops give what the numpy definitions they replace give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph.kernels import (
    core_neighbourhood,
    events_by_target,
    groups_chosen,
    pair_sums,
    shared_contact_ties,
    weigh_circles,
    within_groups,
)


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


def test_events_by_target_are_a_stable_sort_by_target_with_spans() -> None:
    rng = np.random.default_rng(3)
    n = 400
    src, dst = rng.integers(0, n, 5000), rng.integers(0, n - 50, 5000)  # the last 50 are followed by no one
    t = rng.integers(-(10**6), 10**8, 5000)
    start, by_src, by_t, span = events_by_target(src, dst, t, n)
    order = np.argsort(dst, kind="stable")
    assert np.array_equal(start, np.r_[0, np.cumsum(np.bincount(dst, minlength=n))])
    assert np.array_equal(by_src, src[order]) and np.array_equal(by_t + t.min(), t[order])
    assert by_src.dtype == np.int32 and by_t.dtype == np.int32  # narrow where they fit
    for d in (0, 7, n - 1):
        mine = t[dst == d]
        assert span[d] == (mine.max() - mine.min() if len(mine) else 0)
    wide = events_by_target(src, dst, np.r_[t[:-1], 2**40], n)[2]  # a span past 32 bits stays 64-bit
    assert wide.dtype == np.int64 and wide.max() == 2**40 - t.min()


def test_pair_sums_are_the_rows_products_times_the_weights() -> None:
    rng = np.random.default_rng(6)
    n = 300
    m = sp.csr_matrix((rng.random(4000) + 0.5, (rng.integers(0, n, 4000), rng.integers(0, n, 4000))), (n, n))
    m.sum_duplicates()
    w = rng.random(n)
    rows, cols = rng.integers(0, n, 500), rng.integers(0, n, 500)
    rows[:50] = 3  # a run of pairs with one first row, and the same row again later
    rows[400:410] = 3
    want = np.asarray(m[rows].multiply(m[cols]) @ w).ravel()
    got = pair_sums(m.indptr, m.indices, m.data, rows, cols, w)
    assert np.array_equal(got, want)  # the same sums, in the same order: bit for bit
    assert (got > 0).sum() > 100


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


def test_within_groups_are_the_products_over_entries_inside_one_group() -> None:
    rng = np.random.default_rng(9)
    n = 300
    m = sp.csr_matrix((np.ones(3000), (rng.integers(0, n, 3000), rng.integers(0, n, 3000))), (n, n))
    m.sum_duplicates()
    group = np.where(rng.random(n) < 0.6, rng.integers(0, 6, n), -1)
    s = rng.random(n)
    rows = np.repeat(np.arange(n), np.diff(m.indptr))
    same = (group[rows] >= 0) & (group[rows] == group[m.indices])
    want_in = np.bincount(m.indices[same], weights=s[rows[same]], minlength=n)
    want_out = np.bincount(rows[same], weights=s[m.indices[same]], minlength=n)
    got_in, got_out = within_groups(m.indptr, m.indices, group, s)
    assert np.array_equal(got_in, want_in) and np.array_equal(got_out, want_out)  # same order of sums
    assert (got_in > 0).sum() > 50 and got_in.sum() < np.asarray(m.T @ s).sum()  # some entries, not all


def test_weigh_circles_is_the_entrywise_product_inside_circles() -> None:
    rng = np.random.default_rng(12)
    n = 300
    m = sp.csr_matrix((rng.random(3000) + 0.5, (rng.integers(0, n, 3000), rng.integers(0, n, 3000))), (n, n))
    m.sum_duplicates()
    group = np.where(rng.random(n) < 0.6, rng.integers(0, 8, n), -1)
    circle = np.where(group >= 0, group // 2, -1)  # groups 0-1 one circle, 2-3 another, ...
    trust, coordinated = rng.random(8), rng.random(m.nnz) < 0.3  # per stored entry
    rows = np.repeat(np.arange(n), np.diff(m.indptr))
    cols = m.indices
    inside = (circle[rows] >= 0) & (circle[rows] == circle[cols]) & ~coordinated
    want = m.data.copy()
    want[inside] *= np.maximum(trust[group[rows[inside]]], trust[group[cols[inside]]])
    before = m.data.copy()
    got = weigh_circles(m.indptr, m.indices, m.data, group, circle, trust, coordinated)
    assert np.array_equal(got, want) and inside.sum() > 30 and (got != before).sum() > 30
    assert np.array_equal(m.data, before)  # a copy: the input stays as it was


def test_core_neighbourhood_is_the_core_with_everyone_it_contacts_or_is_contacted_by() -> None:
    rng = np.random.default_rng(13)
    n = 400
    m = sp.csr_matrix((np.ones(1200), (rng.integers(0, n, 1200), rng.integers(0, n, 1200))), (n, n))
    m.sum_duplicates()
    core = rng.random(n) < 0.05
    into, near = core_neighbourhood(m.indptr, m.indices, core)
    c = core.astype(np.float64)
    assert np.array_equal(near, core | (m @ c > 0) | (c @ m > 0))
    assert np.array_equal(into, np.bincount(m.indices, minlength=n))
    assert core.sum() < near.sum() < n


@pytest.mark.parametrize("seed", range(3))
def test_groups_chosen_are_each_choosers_other_groups_once(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 500, 40
    m = sp.csr_matrix((np.ones(6000), (rng.integers(0, n, 6000), rng.integers(0, n, 6000))), shape=(n, n))
    group = np.where(rng.random(n) < 0.4, -1, rng.integers(0, k, n))  # -1: in no group
    who, of = groups_chosen(m.indptr, m.indices, group, k)
    coo = m.tocoo()
    g = group[coo.col]
    outside = (g >= 0) & (group[coo.row] != g)
    want = set(zip(coo.row[outside].tolist(), g[outside].tolist(), strict=True))
    got = list(zip(who.tolist(), of.tolist(), strict=True))
    assert len(got) == len(set(got)) and set(got) == want
    assert len(want) > 100 and any(group[r] >= 0 for r, _ in want)  # choosers in a group of their own too
