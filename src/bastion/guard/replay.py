"""A plain friends-of-friends recommender over the follow graph, replayed with and without the guard.

It is the kind of recommender that connected buyers with sellers: "people followed by people you follow",
ranked by how many of your follows lead there. Each suggestion carries its explanation (``via``: the
follows that lead to it), which is what the guard's ``via_network_only`` rule reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from bastion.guard.filter import MINOR_FOR_ADULT, RecommendationGuard
from bastion.guard.state import AGE_MINOR, IntArray, PlatformBase, Snapshot

NETWORK_ROLES = frozenset({"seller", "buyer", "facilitator"})


@dataclass(frozen=True)
class Suggestions:
    viewer: int
    candidates: IntArray
    via: list[IntArray]


class FriendsOfFriends:
    def __init__(self, base: PlatformBase) -> None:
        n = len(base.accounts)
        data = np.ones(len(base.follow_src), dtype=np.float32)
        self.follows = sp.csr_matrix((data, (base.follow_src, base.follow_dst)), shape=(n, n))
        self.follows.data[:] = 1.0
        self.followers = self.follows.T.tocsr()
        indegree = np.asarray(self.follows.sum(axis=0)).ravel()
        # ties broken by popularity, then index; a tiny epsilon keeps the count the main key
        self._tiebreak = indegree / (indegree.max() + 1.0) * 0.5 if n else indegree
        self.n = n

    def recommend(self, viewer: int, k: int = 10) -> Suggestions:
        row = self.follows[viewer]
        scores = (row @ self.follows).toarray().ravel()
        return self._top(viewer, scores, row.indices, k)

    def recommend_many(self, viewers: Sequence[int], k: int = 10, chunk: int = 2_000) -> list[Suggestions]:
        out: list[Suggestions] = []
        for lo in range(0, len(viewers), chunk):
            part = np.asarray(viewers[lo : lo + chunk])
            block = (self.follows[part] @ self.follows).tocsr()
            for r, v in enumerate(part):
                scores = np.zeros(self.n, dtype=np.float32)
                s, e = block.indptr[r], block.indptr[r + 1]
                scores[block.indices[s:e]] = block.data[s:e]
                out.append(self._top(int(v), scores, self.follows[int(v)].indices, k))
        return out

    def _top(self, viewer: int, scores: np.ndarray, followed: IntArray, k: int) -> Suggestions:
        scores = scores + np.where(scores > 0, self._tiebreak, 0.0)
        scores[viewer] = 0.0
        scores[followed] = 0.0
        nz = np.flatnonzero(scores)
        if len(nz) > k:
            nz = nz[np.argpartition(-scores[nz], k)[:k]]
        top = nz[np.argsort(-scores[nz], kind="stable")]
        fs = np.sort(followed)
        via = [np.intersect1d(fs, self.followers[int(c)].indices, assume_unique=True) for c in top]
        return Suggestions(viewer, top.astype(np.int64), via)


@dataclass
class ReplayCounts:
    suggestions: int = 0
    buyer_to_seller: int = 0
    members_shown: int = 0  # suggestions of a true network member (seller/buyer/facilitator)
    members_to_minors: int = 0
    detected_shown: int = 0  # suggestions of an account the guard knows as member or orbit
    detected_to_minors: int = 0
    benign: int = 0  # viewer and candidate both outside the networks


@dataclass
class ReplayReport:
    without: ReplayCounts
    with_guard: ReplayCounts
    benign_removed_by_reason: dict[str, int] = field(default_factory=dict)

    def drop(self, name: str) -> float:
        before = getattr(self.without, name)
        return 1.0 - getattr(self.with_guard, name) / before if before else 0.0

    @property
    def benign_drop_network_rules(self) -> float:
        """Benign suggestions lost to the network/suspicion rules (the age policy counted apart)."""
        lost = sum(v for r, v in self.benign_removed_by_reason.items() if r != MINOR_FOR_ADULT)
        return lost / self.without.benign if self.without.benign else 0.0

    @property
    def benign_drop_age_policy(self) -> float:
        lost = self.benign_removed_by_reason.get(MINOR_FOR_ADULT, 0)
        return lost / self.without.benign if self.without.benign else 0.0


def replay(
    snap: Snapshot, suggestions: Sequence[Suggestions], roles: Mapping[str, str], *, use_via: bool = True
) -> ReplayReport:
    """Count what the recommender's lists did without the guard and with it (same lists, filtered)."""
    guard = RecommendationGuard(snap)
    role = np.array([roles.get(a, "") for a in snap.accounts], dtype=object)
    in_net = np.array([r in NETWORK_ROLES for r in role], dtype=bool)
    without, with_guard = ReplayCounts(), ReplayCounts()
    benign_lost: Counter[str] = Counter()
    names = snap.accounts
    for s in suggestions:
        ids = [names[c] for c in s.candidates]
        via = [[names[j] for j in v] for v in s.via] if use_via else None
        result = guard.filter(names[s.viewer], ids, via=via)
        kept = np.ones(len(ids), dtype=bool)
        for removal in result.removed:
            kept[removal.position] = False
            if not in_net[s.viewer] and not in_net[s.candidates[removal.position]]:
                benign_lost[removal.reason] += 1
        _count(without, snap, s, role, in_net, np.ones(len(ids), dtype=bool))
        _count(with_guard, snap, s, role, in_net, kept)
    return ReplayReport(without, with_guard, dict(benign_lost.most_common()))


def _count(
    out: ReplayCounts, snap: Snapshot, s: Suggestions, role: np.ndarray, in_net: np.ndarray, kept: np.ndarray
) -> None:
    c = s.candidates[kept]
    members = in_net[c]
    out.suggestions += len(c)
    out.members_shown += int(members.sum())
    if snap.age[s.viewer] == AGE_MINOR:
        out.members_to_minors += int(members.sum())
    if role[s.viewer] == "buyer":
        out.buyer_to_seller += int((role[c] == "seller").sum())
    out.detected_shown += int(snap.unsafe[c].sum())
    if snap.age[s.viewer] == AGE_MINOR:
        out.detected_to_minors += int(snap.unsafe[c].sum())
    if not in_net[s.viewer]:
        out.benign += int((~members).sum())
