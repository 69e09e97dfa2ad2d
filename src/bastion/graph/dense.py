"""Fraudar-style dense-subgraph detection that camouflage cannot hide.

Edge i -> j weighs 1 / log(in_degree(j) + c): following a popular account says little, so sellers cannot
dilute their block by following celebrities, and popular accounts do not make a block look dense. Peeling
is the batched (1 + eps) greedy of Bahmani et al., vectorised with sparse mat-vecs so it scales to 10M edges.
When a ``suspect`` signal is given, blocks are searched among suspects only: legitimate dense communities
(departments, friend circles) are dense too, and density alone must not flag them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import (
    FOLLOW,
    INTERACTION,
    MESSAGE,
    AccountGraph,
    BoolArray,
    FloatArray,
    IntArray,
)
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register
from bastion.graph.signals import SELLER_WEIGHTS, noisy_or

SUSPECT = "suspect"


def _union(graph: AccountGraph, rows: IntArray) -> sp.csr_matrix:
    """Follow / interaction (0.5) / message union of the given rows, strongest channel."""
    out: sp.csr_matrix | None = None
    for name, w in ((FOLLOW, 1.0), (INTERACTION, 0.5), (MESSAGE, 1.0)):
        part = sp.csr_matrix(graph.layer(name)[rows])
        part.data[:] = w
        out = part if out is None else out.maximum(part).tocsr()
    assert out is not None
    return out


def in_degree(graph: AccountGraph) -> FloatArray:
    """The largest of each account's follow, interaction and message in-degrees: one O(edges) count, no
    union of the layers built (the union's in-degree lies between this and the sum)."""
    indeg = np.zeros(graph.n)
    for name in (FOLLOW, INTERACTION, MESSAGE):
        indeg = np.maximum(indeg, np.bincount(graph.layer(name).indices, minlength=graph.n))
    return indeg


def in_degree_weights(indeg: FloatArray, c: float = 5.0) -> FloatArray:
    """1 / log(in-degree + c): following a popular account says little."""
    return np.asarray(1.0 / np.log(indeg + c), dtype=np.float64)


def peel_densest(
    sym: sp.csr_matrix, prior: FloatArray, alive: BoolArray, eps: float = 0.05
) -> tuple[BoolArray, float]:
    """Batched greedy peeling; returns the densest set seen and its density f(S)/|S|."""
    alive = alive.copy()
    removed_at = np.full(len(prior), -1, dtype=np.int64)
    best_density, best_pass, step = -1.0, -1, 0
    while alive.any():
        contrib = prior + sym @ alive.astype(np.float64)
        size = int(alive.sum())
        f = float(prior[alive].sum() + 0.5 * (contrib[alive] - prior[alive]).sum())
        density = f / size
        if density > best_density:
            best_density, best_pass = density, step
        thr = (1.0 + eps) * float(contrib[alive].mean())
        drop = alive & (contrib <= thr)
        if not drop.any():
            drop = alive & (contrib <= contrib[alive].min())
        removed_at[drop] = step
        alive &= ~drop
        step += 1
    return removed_at >= best_pass, best_density


@register
class DenseBlocks(LocalDetector):
    name: ClassVar[str] = "dense"
    reads: ClassVar[frozenset[str]] = frozenset({*SELLER_WEIGHTS, SUSPECT})

    def __init__(
        self,
        max_blocks: int = 12,
        min_size: int = 3,
        min_ratio: float = 0.25,
        suspect_floor: float = 0.3,
        prior_weight: float = 1.0,
    ) -> None:
        self.max_blocks = max_blocks
        self.min_size = min_size
        self.min_ratio = min_ratio
        self.suspect_floor = suspect_floor
        self.prior_weight = prior_weight

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        """Peel inside the suspects' own subgraph, so each pass costs what the suspects' links cost."""
        n = graph.n
        suspect = signals.get(SUSPECT)
        alive = suspect >= self.suspect_floor if suspect is not None else np.ones(n, dtype=bool)
        if len(seeds):
            alive[seeds] = True
        idx = np.flatnonzero(alive)
        indeg = in_degree(graph)
        col_w = in_degree_weights(indeg)
        rows = _union(graph, idx)  # the suspects' links to everyone; their block among themselves is a slice
        w = sp.csr_matrix(rows[:, idx] @ sp.diags(col_w[idx]))
        sym0 = (w + w.T).tocsr()
        # a member's whole weighted degree (its links to everyone, in and out): a popular account that a block
        # follows as camouflage has most of its links outside the block and must keep a low share
        total = np.asarray(rows @ col_w).ravel() + indeg[idx] * col_w[idx]
        if suspect is not None:  # an edge between two strong suspects says more than one between weak ones
            w = sp.csr_matrix(sp.diags(suspect[idx]) @ w @ sp.diags(suspect[idx]))
        sub = (w + w.T).tocsr()
        sub_prior = self.prior_weight * noisy_or(signals, SELLER_WEIGHTS, n)[idx]
        scores = np.zeros(n)
        res = DetectorResult(self.name, scores)
        left = np.ones(len(idx), dtype=bool)
        first = 0.0
        for b in range(self.max_blocks):
            if left.sum() < self.min_size:
                break
            block, density = peel_densest(sub, sub_prior * left, left)
            block &= left
            if block.sum() < self.min_size or density <= 0:
                break
            first = first or density
            if density < self.min_ratio * first:
                break
            local = np.flatnonzero(block)
            members = idx[local]
            inner = np.asarray(sym0[local][:, local].sum(axis=1)).ravel()
            # how much of a member's weight lies inside the block: popular accounts that the block follows as
            # camouflage join it by density, but most of their links are elsewhere
            share = inner / np.maximum(total[local], 1e-12)
            scores[members] = np.maximum(scores[members], density / first * np.sqrt(share))
            for i, sh in zip(members.tolist(), share.tolist(), strict=True):
                res.add(
                    i,
                    Evidence(
                        "graph",
                        f"member of dense block {b + 1} ({len(members)} accounts, density {density:.2f}); "
                        f"{100 * sh:.0f}% of its weighted links inside the block, "
                        "links to popular accounts discounted",
                        {
                            "detector": self.name,
                            "block": b + 1,
                            "block_size": len(members),
                            "density": density,
                            "share_inside": sh,
                        },
                    ),
                )
            left &= ~block
        return res
