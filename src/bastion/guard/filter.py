"""The recommendation filter: drop unsafe candidates from a recommender's list, keep the order, say why.

Rules (first that applies names the reason):

``network_member``       the candidate is a member of a detected network
``network_orbit``        most of the candidate's follows/followers are network members
``pending_case``         the candidate has a pending child-safety case
``suspicious_for_minor`` the viewer is a minor and the candidate a suspicious adult
``minor_for_adult``      the viewer is an adult, the candidate a minor, and they are not connected
``via_network_only``     every account the recommender reached the candidate through is a network member
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bastion.guard.state import (
    AGE_ADULT,
    AGE_MINOR,
    AGE_UNKNOWN,
    CASE,
    MEMBER,
    SUSPICIOUS,
    GuardState,
    Snapshot,
)

NETWORK_MEMBER = "network_member"
NETWORK_ORBIT = "network_orbit"
PENDING_CASE = "pending_case"
SUSPICIOUS_FOR_MINOR = "suspicious_for_minor"
MINOR_FOR_ADULT = "minor_for_adult"
VIA_NETWORK_ONLY = "via_network_only"
REASONS = (
    NETWORK_MEMBER,
    NETWORK_ORBIT,
    PENDING_CASE,
    SUSPICIOUS_FOR_MINOR,
    MINOR_FOR_ADULT,
    VIA_NETWORK_ONLY,
)


@dataclass(frozen=True, slots=True)
class Removal:
    candidate: str
    position: int
    reason: str
    detail: str = ""  # network id or case id a reviewer can look up


@dataclass(frozen=True, slots=True)
class FilterResult:
    kept: list[str]
    removed: list[Removal] = field(default_factory=list)

    def reasons(self) -> dict[str, str]:
        return {r.candidate: r.reason for r in self.removed}


class RecommendationGuard:
    """Calls :meth:`GuardState.snapshot` once per request; refreshing is the caller's rhythm (API: per
    request via ``refresh_if_stale``; batch replays: once)."""

    def __init__(self, state: GuardState | Snapshot) -> None:
        self._state = state

    @property
    def snapshot(self) -> Snapshot:
        return self._state if isinstance(self._state, Snapshot) else self._state.snapshot

    def filter(
        self,
        viewer_id: str,
        candidates: Sequence[str],
        *,
        via: Sequence[Sequence[str] | None] | None = None,
        authors: Sequence[str] | None = None,
    ) -> FilterResult:
        """``via[i]``: accounts the recommender reached candidate i through (its explanation), if any;
        ``authors[i]``: the account that answers for candidate i when it is a post (default: itself)."""
        snap = self.snapshot
        n = len(candidates)
        if via is not None and len(via) != n:
            raise ValueError(f"via has {len(via)} entries for {n} candidates")
        if authors is not None and len(authors) != n:
            raise ValueError(f"authors has {len(authors)} entries for {n} candidates")
        accounts = list(authors) if authors is not None else list(candidates)
        idx = snap.lookup(accounts)
        known = idx >= 0
        safe_idx = np.where(known, idx, 0)
        flags = np.where(known, snap.flags[safe_idx], 0)
        age = np.where(known, snap.age[safe_idx], AGE_UNKNOWN)
        v = snap.index.get(viewer_id, -1)
        viewer_age = int(snap.age[v]) if v >= 0 else AGE_UNKNOWN
        policy = snap.policy
        viewer_adult = viewer_age == AGE_ADULT or (viewer_age == AGE_UNKNOWN and policy.unknown_age_as_adult)

        reason = np.zeros(n, dtype=np.int8)  # 0 = keep, else 1 + index into REASONS
        unsafe = np.where(known, snap.unsafe[safe_idx], False)
        member = unsafe & ((flags & MEMBER) > 0)
        _mark(reason, member, NETWORK_MEMBER)
        _mark(reason, unsafe & ~member, NETWORK_ORBIT)
        _mark(reason, (flags & CASE) > 0, PENDING_CASE)
        if viewer_age == AGE_MINOR:
            _mark(reason, ((flags & SUSPICIOUS) > 0) & (age != AGE_MINOR), SUSPICIOUS_FOR_MINOR)
        if viewer_adult and policy.protect_minors_from_adults:
            for m in np.flatnonzero((age == AGE_MINOR) & (reason == 0)).tolist():
                if v < 0 or not snap.connected(v, int(idx[m])):
                    reason[m] = 1 + REASONS.index(MINOR_FOR_ADULT)
        if via is not None:
            _mark(reason, _via_network_only(snap, via), VIA_NETWORK_ONLY)
        kept = [candidates[i] for i in np.flatnonzero(reason == 0).tolist()]
        removed = [
            _removal(snap, candidates[i], i, REASONS[reason[i] - 1], int(idx[i]))
            for i in np.flatnonzero(reason).tolist()
        ]
        return FilterResult(kept, removed)


def _via_network_only(snap: Snapshot, via: Sequence[Sequence[str] | None]) -> np.ndarray:
    """True where a candidate has an explanation and every account in it is a member or in the orbit;
    one lookup over all paths, then segment sums, so 500 explanations cost one pass."""
    lens = np.fromiter((len(p) if p else 0 for p in via), dtype=np.int64, count=len(via))
    hops = snap.lookup([a for p in via if p for a in p])
    safe = (hops < 0) | ~snap.unsafe[np.maximum(hops, 0)]
    sums = np.concatenate(([0], np.cumsum(safe)))
    ends = np.cumsum(lens)
    out: np.ndarray = (lens > 0) & (sums[ends] - sums[ends - lens] == 0)
    return out


def _mark(reason: np.ndarray, mask: np.ndarray, name: str) -> None:
    reason[mask & (reason == 0)] = 1 + REASONS.index(name)


def _removal(snap: Snapshot, candidate: str, position: int, reason: str, index: int) -> Removal:
    detail = ""
    if reason in (NETWORK_MEMBER, NETWORK_ORBIT):
        detail = snap.network.get(index, "")
    elif reason == PENDING_CASE:
        detail = snap.case.get(index, "")
    return Removal(candidate, position, reason, detail)
