"""Cells: tight groups around strong accounts whose members, taken together, show several kinds of evidence.

Networks are built of cells (a few dozen accounts created together that follow each other), and many of
their members are silent: rotated words, no text, no link. One-hop association cannot reach a silent
seller whose cell-mates are themselves weak; the cell as a whole can. Candidates are the accounts strong by
their own evidence and the accounts they are in contact with; Leiden (CPM, ``RESOLUTION``: a group must be
denser than that) splits them into tight groups. A group is a cell when its members carry several kinds
of own signal far more often than the candidates around them do (a Poisson ratio per kind against the
candidates' own rate, so picking candidates for their signals does not make every group look guilty), each
kind capped at ``KIND_CAP`` and the strongest kind left out: a friend circle that shares one trait (a
hobby's code word) is homophily, not a cell. The group's evidence is discounted by the log of the number
of groups tested (the best of many chance groups is not surprising), and read for each member without its
own signals (leave-one-out, so nothing counts twice), scaled by the share of its contacts inside the group:
a popular account that a cell follows as camouflage has most of its contacts elsewhere.
Evidence of its own kind and computed once from own signals: nothing here feeds association.
"""

from __future__ import annotations

import gc
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import igraph as ig
import numpy as np
import scipy.sparse as sp

from bastion.core.signals import lookup
from bastion.graph.container import BoolArray, FloatArray, IntArray

#: CPM resolution: the least internal density (ties per pair) a group of candidates must keep.
RESOLUTION = 0.15
MIN_CELL = 4
#: The most one kind of signal may add to a group's evidence (log-odds).
KIND_CAP = 3.0
#: The most a cell may say about one member (log-odds), before the share of its contacts inside.
CELL_MAX = 4.0
#: The group evidence is discounted by the log of the groups tested, and at least of this many (a small
#: platform with a handful of groups still has chance groups).
MIN_TESTS = 20
#: igraph draws from one process-wide generator: runs in parallel threads take turns to seed it.
_RNG_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Cells:
    """Per account: the cell's evidence read for it (log-odds), its group (-1: none); per group: evidence."""

    llr: FloatArray
    group: IntArray
    sizes: list[int] = field(default_factory=list)
    evidence: list[float] = field(default_factory=list)

    def words(self, i: int) -> str:
        g = int(self.group[i])
        return (
            f"in a tight group of {self.sizes[g]} accounts whose members, without this one, carry several "
            f"kinds of signal far more often than accounts around them ({self.evidence[g]:+.1f} log-odds "
            f"for the group after testing {len(self.sizes)}), {self.llr[i]:+.1f} log-odds for this account"
        )


def tight_groups(sym: sp.csr_matrix, idx: IntArray, seed: int) -> list[IntArray]:
    """Leiden (CPM) groups of at least ``MIN_CELL`` among the candidates ``idx`` (``sym``: their contacts
    among themselves, both ways), by igraph's own Leiden (tens of times faster than leidenalg on thousands
    of candidates), its random numbers drawn from ``seed`` alone."""
    sub = sp.triu(sym, k=1).tocoo()
    gc.disable()  # tens of thousands of small lists would set off a full collection of the whole heap
    try:
        g = ig.Graph(n=len(idx), edges=np.column_stack([sub.row, sub.col]).tolist())
    finally:
        gc.enable()
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            parts = g.community_leiden(objective_function="CPM", resolution=RESOLUTION, n_iterations=2)
        finally:
            ig.set_random_number_generator(random)
    groups = [np.array(c, dtype=np.int64) for c in parts if len(c) >= MIN_CELL]
    groups.sort(key=lambda m: (-len(m), int(m.min())))
    return groups


def _kind_columns(present: Mapping[str, BoolArray]) -> FloatArray:
    """One column per kind, the profile kinds (``SignalKind.profile``: age, posting format) merged into
    one: a cohort of new accounts that post stories shares both, and that is one trait, not two."""
    columns = [np.asarray(v, dtype=np.float64) for k, v in present.items() if not lookup(k).profile]
    profile = [np.asarray(v, dtype=bool) for k, v in present.items() if lookup(k).profile]
    if profile:
        columns.append(np.logical_or.reduce(profile).astype(np.float64))
    return np.column_stack(columns)


def _kind_llr(count: FloatArray, expected: FloatArray) -> FloatArray:
    c, e = np.maximum(count, 0.0), np.maximum(expected, 1e-9)
    raw = np.where(c > e, c * np.log(np.maximum(c, 1e-9) / e) - (c - e), 0.0)
    return np.asarray(np.minimum(raw, KIND_CAP), dtype=np.float64)


def find_cells(
    contacts: sp.csr_matrix, present: Mapping[str, BoolArray], strong: BoolArray, seeds: IntArray, seed: int
) -> Cells:
    """``present``: per seller-side kind, who carries it; ``strong``: accounts strong by their own signals."""
    n = contacts.shape[0]
    empty = Cells(np.zeros(n), np.full(n, -1, dtype=np.int64))
    core = strong.copy()
    core[seeds] = True
    if not core.any() or not present:
        return empty
    chosen = contacts.copy()
    chosen.data[:] = 1.0
    out_of, into = np.asarray(chosen.sum(axis=1)).ravel(), np.bincount(chosen.indices, minlength=n)
    near = np.asarray(chosen @ core.astype(np.float64)).ravel() + core.astype(np.float64) @ chosen
    idx = np.flatnonzero(core | (near > 0))
    part = sp.csr_matrix(chosen[idx][:, idx])
    sym = sp.csr_matrix(part + part.T)  # a contact either way; 2 where both ways, as in the degree below
    local = tight_groups(sym, idx, seed)
    if not local:
        return empty
    groups = [idx[g] for g in local]
    group = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group[members] = g
    rows, lrows = np.concatenate(groups), np.concatenate(local)
    of = group[rows]
    size = np.array([len(g) for g in groups], dtype=np.float64)
    kinds = _kind_columns(present)
    rate = np.maximum(kinds[idx].mean(axis=0), 1.0 / len(idx))
    member = sp.csr_matrix((np.ones(len(rows)), (of, rows)), shape=(len(groups), n))
    counts = np.asarray(member @ kinds)  # groups x kinds
    loo = counts[of] - kinds[rows]  # each member's group without it
    per_kind = _kind_llr(loo, (size[of] - 1.0)[:, None] * rate[None, :])
    tests = np.log(max(len(groups), MIN_TESTS))
    ev = per_kind.sum(axis=1) - per_kind.max(axis=1) - tests
    local_group = np.full(len(idx), -1, dtype=np.int64)
    local_group[lrows] = of
    sub = sym[lrows].tocoo()
    inside = np.bincount(
        sub.row, weights=sub.data * (local_group[sub.col] == of[sub.row]), minlength=len(rows)
    )
    degree = out_of[rows] + into[rows]  # contacts both ways, counted as ``sym`` counts them
    llr = np.zeros(n)
    llr[rows] = np.clip(ev, 0.0, CELL_MAX) * np.sqrt(inside / np.maximum(degree, 1.0))
    whole = _kind_llr(counts, size[:, None] * rate[None, :])
    group_ev = (whole.sum(axis=1) - whole.max(axis=1) - tests).tolist()
    return Cells(llr, group, size.astype(int).tolist(), [float(v) for v in group_ev])
