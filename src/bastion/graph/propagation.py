"""Seeded propagation: personalised PageRank with SybilRank-style degree normalisation, priors as restart.

Suspicion flows from seeds and from accounts with strong signals along follow, interaction and message
edges. Dividing by degree stops popular accounts (which sellers follow as camouflage) from soaking up mass;
follows the recommender caused carry less weight because the follower did not seek the account out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import (
    FOLLOW,
    FOLLOW_REC,
    INTERACTION,
    MESSAGE,
    AccountGraph,
    FloatArray,
    IntArray,
    symmetric_adjacency,
)
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register, scale_unit
from bastion.graph.signals import SELLER_WEIGHTS, noisy_or

WALK_WEIGHTS: Mapping[str, float] = {FOLLOW: 1.0, FOLLOW_REC: -0.7, INTERACTION: 0.5, MESSAGE: 1.0}


def personalized_pagerank(
    adj: sp.csr_matrix, restart: FloatArray, *, alpha: float = 0.85, iters: int = 40, tol: float = 1e-10
) -> FloatArray:
    """Power iteration of x = (1 - alpha) r + alpha P^T x on a symmetric adjacency; dangling mass restarts."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    r = restart / restart.sum()
    x = r.copy()
    pt = adj.T.tocsr()
    for _ in range(iters):
        walked = pt @ (x * inv)
        dangling = float(x[deg == 0].sum())
        nxt = (1.0 - alpha) * r + alpha * (walked + dangling * r)
        if float(np.abs(nxt - x).sum()) < tol:
            x = nxt
            break
        x = nxt
    return np.asarray(x, dtype=np.float64)


@register
class SeededPropagation(LocalDetector):
    name: ClassVar[str] = "propagation"
    reads: ClassVar[frozenset[str]] = frozenset(SELLER_WEIGHTS)

    def __init__(
        self, alpha: float = 0.85, seed_mass: float = 0.5, prior_floor: float = 0.2, degree_power: float = 0.5
    ) -> None:
        self.degree_power = degree_power
        self.alpha = alpha
        self.seed_mass = seed_mass
        self.prior_floor = prior_floor

    def restart(self, signals: Mapping[str, FloatArray], seeds: IntArray, n: int) -> FloatArray:
        """Restart mass: half on seeds (when given), the rest on accounts with strong own signals."""
        prior = noisy_or(signals, SELLER_WEIGHTS, n)
        prior = np.where(prior >= self.prior_floor, prior**2, 0.0)
        restart = np.zeros(n)
        if prior.sum() > 0:
            restart += (1.0 - self.seed_mass if len(seeds) else 1.0) * prior / prior.sum()
        if len(seeds):
            restart[seeds] += self.seed_mass / len(seeds)
        return restart

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        n = graph.n
        adj = symmetric_adjacency(graph, WALK_WEIGHTS)
        adj.data = np.maximum(adj.data, 0.0)
        restart = self.restart(signals, seeds, n)
        if restart.sum() == 0:
            return DetectorResult(self.name, np.zeros(n))
        x = personalized_pagerank(adj, restart, alpha=self.alpha)
        deg = np.asarray(adj.sum(axis=1)).ravel()
        trust = x / np.maximum(deg, 1.0) ** self.degree_power
        return self.explain(graph, adj, seeds, scale_unit(trust, exclude=seeds))

    def explain(
        self, graph: AccountGraph, adj: sp.csr_matrix, seeds: IntArray, scores: FloatArray
    ) -> DetectorResult:
        n = graph.n
        res = DetectorResult(self.name, scores)
        order = np.argsort(-scores)
        seedset = set(seeds.tolist())
        for rank, i in enumerate(order[: max(1, int((scores >= 0.5).sum()))].tolist(), start=1):
            near = adj.indices[adj.indptr[i] : adj.indptr[i + 1]]
            near_seeds = sorted(seedset.intersection(near.tolist()))
            text = f"ranked {rank} of {n} by closeness to seeds and signalled accounts"
            if near_seeds:
                text += f"; directly linked to {len(near_seeds)} seed account(s)"
            res.add(
                i,
                Evidence(
                    "graph",
                    text,
                    {
                        "detector": self.name,
                        "rank": rank,
                        "seed_neighbours": [graph.ids[s] for s in near_seeds[:5]],
                    },
                ),
            )
        return res
