"""Chosen contacts: how clearly each account chose to contact another, the graph association reads.

Channels weigh by intent (a follow 1, a recommended follow 0.5, a message 1.5, a like or comment 0.5) and
are not added up, except a message's bonus (writing is intent); a contact with an account the chooser
reported is none (following to document is not association).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import (
    FOLLOW,
    FOLLOW_REC,
    INTERACTION,
    MESSAGE,
    REPORT,
    AccountGraph,
    FloatArray,
    IntArray,
)
from bastion.graph.kernels import sorted_positions, within_groups

REC_FOLLOW_WEIGHT = 0.5
INTERACTION_WEIGHT = 0.5
MESSAGE_BONUS = 0.5


def _channel(m: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    out = m.copy()
    out.data[:] = weight
    return sp.csr_matrix(out)


def reports_made(graph: AccountGraph) -> sp.csr_matrix | None:
    """Row i -> column j: 1 where i reported j (the account or one of its posts); None without reports."""
    rep = graph.layer(REPORT)
    if rep.nnz == 0:
        return None
    return sp.csr_matrix((np.ones(rep.nnz), rep.indices.copy(), rep.indptr.copy()), shape=rep.shape)


def undocumented_share(
    contacts: sp.csr_matrix, reported: sp.csr_matrix | None, group: IntArray, weight: float
) -> FloatArray:
    """Per account: how far its own tight group (``group``, -1: none) is its own rather than documented by
    it: 1 - ``weight`` x (group-mates it reported) / (group-mates it contacts or reported), at least 0; 1
    outside every group. A user who follows a network to report it (a trusted flagger, a researcher) is
    drawn into its group by the follows it did not report; the reports weigh against that, as in reach."""
    n = len(group)
    out = np.ones(n)
    if reported is None or not reported.nnz:
        return out
    group = np.asarray(group, dtype=np.int64)
    each = np.ones(n)  # entries inside the account's own group, counted per row
    told = within_groups(reported.indptr, reported.indices, group, each)[1]
    chose = within_groups(contacts.indptr, contacts.indices, group, each)[1]
    both = np.maximum(told + chose, 1.0)
    return np.asarray(np.clip(1.0 - weight * told / both, 0.0, 1.0), dtype=np.float64)


def chosen_contacts(graph: AccountGraph) -> sp.csr_matrix:
    """Row i -> column j: how clearly i chose to contact j (follow 1, recommended follow 0.5, message 1.5,
    like or comment 0.5); channels are not added up except a message's bonus (writing is intent), and a
    contact with an account i reported is none (following to document is not association). Only the
    small layers are combined as matrices; the follows are copied once and the recommended ones (a subset
    of them) found by lookup: four whole-matrix operations were a twelfth of a run."""
    follow = graph.layer(FOLLOW)
    data = np.ones(follow.nnz)
    rec = graph.layer(FOLLOW_REC)
    if rec.nnz:
        rows = np.repeat(np.arange(rec.shape[0]), np.diff(rec.indptr))
        at = positions(follow, rows, rec.indices.astype(np.int64))  # -1: not a follow
        data[at[at >= 0]] = REC_FOLLOW_WEIGHT
    out = sp.csr_matrix((data, follow.indices.copy(), follow.indptr.copy()), shape=follow.shape)
    # a message outweighs any follow (1.5 with its bonus), a like or comment counts where nothing else does
    said = _channel(graph.layer(MESSAGE), 1.0 + MESSAGE_BONUS).maximum(
        _channel(graph.layer(INTERACTION), INTERACTION_WEIGHT)
    )
    out = sp.csr_matrix(out.maximum(said)) if said.nnz else out  # every value stored is 0.5 or more
    rep = graph.layer(REPORT)
    if rep.nnz:
        _, rows, cols = row_entries(rep, np.arange(rep.shape[0]))
        at = positions(out, rows, cols.astype(np.int64))
        out.data[at[at >= 0]] = 0.0
        out.eliminate_zeros()
    return out


def row_entries(m: sp.csr_matrix, rows: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Every stored entry in ``rows`` of ``m``: its position in ``m.data``, its row and its column."""
    start, length = m.indptr[rows], np.diff(m.indptr)[rows]
    pos = np.repeat(start - np.cumsum(length) + length, length) + np.arange(int(length.sum()))
    return pos, np.repeat(rows, length), m.indices[pos]


def positions(m: sp.csr_matrix, rows: IntArray, cols: IntArray) -> IntArray:
    """Where entry (rows[k], cols[k]) is stored in ``m.data``, -1 where it is not; reads only ``rows``
    (a binary search in each where its rows are sorted, ``kernels.sorted_positions``; else a sort of them)."""
    if m.has_sorted_indices:
        return sorted_positions(
            m.indptr, m.indices, np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        )
    out = np.full(len(rows), -1, dtype=np.int64)
    pos, r, c = row_entries(m, np.unique(rows))
    if not len(pos):
        return out
    n = np.int64(m.shape[1])
    keys = r.astype(np.int64) * n + c
    order = np.argsort(keys, kind="stable")
    keys, pos = keys[order], pos[order]
    want = rows.astype(np.int64) * n + cols
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    found = keys[at] == want
    out[found] = pos[at[found]]
    return out
