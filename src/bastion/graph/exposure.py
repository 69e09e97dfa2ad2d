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
    rows = np.concatenate(groups)
    into = sp.csr_matrix((np.ones(len(rows)), (rows, group_of[rows])), shape=(graph.n, k))
    minor = graph.attrs.age_band == AGE_MINOR

    def per_group(layer: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Weight and viewers per group from outside it, then the same from minors."""
        got = sp.coo_matrix(layer @ into)
        out = (got.data > 0) & (group_of[got.row] != got.col)
        g, w, young = got.col[out], got.data[out], minor[got.row[out]]
        count = partial(np.bincount, minlength=k)
        return count(g, w), count(g), count(g[young], w[young]), count(g[young])

    imp, viewers, minor_imp, minor_viewers = per_group(graph.layer(RECOMMENDATION))
    follows, _, minor_follows, _ = per_group(sp.csr_matrix(graph.layer(FOLLOW_REC) > 0, dtype=np.float64))
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
