"""How often the platform's recommender pushed network members to people, and to minors.

Input for the recommendation guard: a network whose members are shown to minors needs the recommender
switched off for it before anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import AGE_MINOR, FOLLOW_REC, RECOMMENDATION, AccountGraph, IntArray


@dataclass(frozen=True, slots=True)
class Exposure:
    impressions: int
    viewers: int
    minor_impressions: int
    minor_viewers: int
    follows_from_recommendation: int
    minor_follows_from_recommendation: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def recommendation_exposure(graph: AccountGraph, members: IntArray) -> Exposure:
    return exposures(graph, [members])[0]


def exposures(graph: AccountGraph, groups: Sequence[IntArray]) -> list[Exposure]:
    """Each group's exposure (groups disjoint), every layer read once for all of them: the recommendations
    and recommended follows into each group from accounts outside it."""
    k = len(groups)
    if not k:
        return []
    group_of = np.full(graph.n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    minor = graph.attrs.age_band == AGE_MINOR
    count = partial(np.bincount, minlength=k)

    def per_group(layer: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Weight and viewers per group from outside it, then the same from minors: read entry by entry
        (the layers hold counts, so the sums are exact in any order), no product with every row."""
        row = np.repeat(np.arange(layer.shape[0]), np.diff(layer.indptr))
        g = group_of[layer.indices]
        keep = (g >= 0) & (group_of[row] != g) & (layer.data > 0)
        row, g, w = row[keep], g[keep], layer.data[keep]
        seen = np.unique(row * np.int64(k) + g)  # each viewer once per group
        who, where = np.divmod(seen, np.int64(k))
        young, young_seen = minor[row], minor[who]
        return count(g, w), count(where), count(g[young], w[young]), count(where[young_seen])

    imp, viewers, minor_imp, minor_viewers = per_group(graph.layer(RECOMMENDATION))
    followed = graph.layer(FOLLOW_REC)  # a recommended follow counts once, whatever its stored value
    once = (followed.data > 0).astype(np.float64)
    follows, _, minor_follows, _ = per_group(
        sp.csr_matrix((once, followed.indices, followed.indptr), shape=followed.shape)
    )
    return [
        Exposure(
            impressions=round(float(imp[g])),
            viewers=int(viewers[g]),
            minor_impressions=round(float(minor_imp[g])),
            minor_viewers=int(minor_viewers[g]),
            follows_from_recommendation=round(float(follows[g])),
            minor_follows_from_recommendation=round(float(minor_follows[g])),
        )
        for g in range(k)
    ]
