"""How often the platform's recommender pushed network members to people, and to minors.

Input for the recommendation guard: a network whose members are shown to minors needs the recommender
switched off for it before anything else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

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
    minor = graph.attrs.age_band == AGE_MINOR
    outside = np.ones(graph.n, dtype=bool)
    outside[members] = False
    rec = graph.layer(RECOMMENDATION).tocsc()[:, members].tocsr()
    fol = graph.layer(FOLLOW_REC).tocsc()[:, members].tocsr()
    per_viewer = np.asarray(rec.sum(axis=1)).ravel() * outside
    follows = np.asarray((fol > 0).sum(axis=1)).ravel() * outside
    return Exposure(
        impressions=int(per_viewer.sum()),
        viewers=int((per_viewer > 0).sum()),
        minor_impressions=int(per_viewer[minor].sum()),
        minor_viewers=int((per_viewer[minor] > 0).sum()),
        follows_from_recommendation=int(follows.sum()),
        minor_follows_from_recommendation=int(follows[minor].sum()),
    )
