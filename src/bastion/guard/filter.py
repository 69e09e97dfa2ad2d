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
from itertools import chain, compress, repeat
from typing import NamedTuple

import numpy as np

from bastion.guard.state import (
    AGE_ADULT,
    AGE_MINOR,
    AGE_UNKNOWN,
    RULE_CASE,
    RULE_MEMBER,
    RULE_ORBIT,
    BoolArray,
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
# reason codes: 0 keeps, else 1 + index into REASONS (the first three are the snapshot's static rules)
_SUSPICIOUS, _MINOR, _VIA = 4, 5, 6
_NAMES = ("", *REASONS)
assert (_NAMES[RULE_MEMBER], _NAMES[RULE_ORBIT], _NAMES[RULE_CASE]) == REASONS[:3]


class Removal(NamedTuple):
    """A tuple, not a dataclass: a request builds one per removed candidate and tuples are the cheapest."""

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
    request via ``refresh_if_stale``; batch replays: once).

    A request is a handful of numpy gathers over the snapshot's per-account rule tables; the only Python
    objects it builds are the two output lists and one tuple per removed candidate, which keeps both the
    time and the garbage-collector work flat (the p99 of a request path)."""

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
        rows = snap.lookup_rows(authors if authors is not None else candidates)
        reason = snap.static_rule[rows]
        v = snap.index.get(viewer_id, -1)
        viewer_age = int(snap.age[v]) if v >= 0 else AGE_UNKNOWN
        policy = snap.policy
        viewer_adult = viewer_age == AGE_ADULT or (viewer_age == AGE_UNKNOWN and policy.unknown_age_as_adult)
        if viewer_age == AGE_MINOR:
            reason[(reason == 0) & snap.suspicious_adult[rows]] = _SUSPICIOUS
        if viewer_adult and policy.protect_minors_from_adults:
            minors = np.flatnonzero((reason == 0) & snap.is_minor[rows])
            if len(minors):
                if v >= 0:
                    minors = minors[~snap.connected_many(v, rows[minors])]
                reason[minors] = _MINOR
        if via is not None:
            reason[(reason == 0) & _via_network_only(snap, via)] = _VIA
        keep = reason == 0
        kept = list(compress(candidates, keep.tolist()))
        if n == len(kept):
            return FilterResult(kept, [])
        pos = np.flatnonzero(~keep)
        codes = reason[pos]
        details = np.where(codes <= RULE_CASE, snap.static_detail[rows[pos]], "")
        removed = list(
            map(
                Removal,
                compress(candidates, (~keep).tolist()),
                pos.tolist(),
                map(_NAMES.__getitem__, codes.tolist()),
                details.tolist(),
            )
        )
        return FilterResult(kept, removed)


def _via_network_only(snap: Snapshot, via: Sequence[Sequence[str] | None]) -> BoolArray:
    """True where a candidate has an explanation and every account in it is a member or in the orbit.

    One lookup over all paths and segment sums over them; ``filter``/``map``/``chain`` walk the lists in
    C, so 500 explanations of a few hundred hops cost one pass and no per-hop Python frame."""
    n = len(via)
    has = np.fromiter(map(bool, via), dtype=bool, count=n)
    paths = list(filter(None, via))
    if not paths:
        return np.zeros(n, dtype=bool)
    lens = np.fromiter(map(len, paths), dtype=np.int64, count=len(paths))
    hops = np.fromiter(
        map(snap.index.get, chain.from_iterable(paths), repeat(snap.n)), dtype=np.int64, count=int(lens.sum())
    )
    unsafe_hops = np.add.reduceat(snap.is_unsafe[hops].astype(np.int64), np.cumsum(lens) - lens)
    out = np.zeros(n, dtype=bool)
    out[has] = unsafe_hops == lens
    return out
