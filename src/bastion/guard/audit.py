"""Exposure audit: how often the recommender showed each detected network, to whom, where, with what effect,
and what the same impressions would have been with the guard in front of the recommender.

The replay asks today's guard about yesterday's impressions: it shows what the filter would have removed
with what is known now, not what was knowable at the time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from bastion.guard.filter import MINOR_FOR_ADULT, RecommendationGuard
from bastion.guard.state import AGE_MINOR, MEMBER, Snapshot


@dataclass(frozen=True)
class Impressions:
    """The recommendations table of one platform as columns (``followed`` resolved against follows)."""

    viewer: list[str]
    shown: list[str]
    surface: list[str]
    shown_at: list[datetime]
    followed: np.ndarray  # bool: the impression says followed=true
    confirmed: np.ndarray  # bool: ... and a follow with source=recommendation exists for the pair
    rec_follows: list[tuple[str, str]] = field(default_factory=list)  # all follows with that source


@dataclass
class Exposure:
    impressions: int = 0
    viewers: int = 0
    minor_impressions: int = 0
    minor_viewers: int = 0
    followed: int = 0  # impressions marked followed=true
    follows: int = 0  # ... confirmed by a follow with source=recommendation
    minor_follows: int = 0


@dataclass
class NetworkExposure:
    network_id: str
    members: int
    before: Exposure
    after: Exposure
    rec_follows: int = 0  # follows into the network from outside it with source=recommendation (any time)
    by_surface: dict[str, int] = field(default_factory=dict)
    after_by_surface: dict[str, int] = field(default_factory=dict)


@dataclass
class ExposureAudit:
    platform: str
    impressions: int
    kept: int
    benign_impressions: int  # impressions of accounts in no network
    benign_kept: int
    removed_by_reason: dict[str, int]
    networks: list[NetworkExposure]
    weeks: list[date]
    weekly_before: dict[str, list[int]]  # network id -> impressions per week
    weekly_after: dict[str, list[int]]
    weekly_minor_before: list[int]
    weekly_minor_after: list[int]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["weeks"] = [w.isoformat() for w in self.weeks]
        return out

    benign_removed_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def benign_drop(self) -> float:
        return 1.0 - self.benign_kept / self.benign_impressions if self.benign_impressions else 0.0

    @property
    def benign_drop_age_policy(self) -> float:
        """The part of :attr:`benign_drop` that is the minor-protection policy, a choice, not a detection."""
        lost = self.benign_removed_by_reason.get(MINOR_FOR_ADULT, 0)
        return lost / self.benign_impressions if self.benign_impressions else 0.0

    @property
    def benign_drop_network_rules(self) -> float:
        lost = sum(v for r, v in self.benign_removed_by_reason.items() if r != MINOR_FOR_ADULT)
        return lost / self.benign_impressions if self.benign_impressions else 0.0


def week_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def replay_keep(snap: Snapshot, imp: Impressions) -> np.ndarray:
    """The reason the guard would have removed each impression ("" where it would have let it through);
    one filter call per viewer, as a recommender would make it."""
    guard = RecommendationGuard(snap)
    per_viewer: dict[str, list[int]] = defaultdict(list)
    for k, viewer in enumerate(imp.viewer):
        per_viewer[viewer].append(k)
    reason = np.full(len(imp.viewer), "", dtype=object)
    for viewer, rows in per_viewer.items():
        for removal in guard.filter(viewer, [imp.shown[k] for k in rows]).removed:
            reason[rows[removal.position]] = removal.reason
    return reason


def exposure_audit(snap: Snapshot, imp: Impressions) -> ExposureAudit:
    reason = replay_keep(snap, imp)
    keep = reason == ""
    reasons = Counter(reason[~keep].tolist())
    idx = snap.lookup(imp.shown)
    vidx = snap.lookup(imp.viewer)
    minor_viewer = np.where(vidx >= 0, snap.age[np.maximum(vidx, 0)] == AGE_MINOR, False)
    members: dict[str, int] = Counter(net for i, net in snap.network.items() if snap.flags[i] & MEMBER)
    network = np.array(
        [snap.network.get(int(i), "") if i >= 0 and snap.flags[i] & MEMBER else "" for i in idx], dtype=object
    )
    weeks = sorted({week_of(t) for t in imp.shown_at})
    week_pos = {w: p for p, w in enumerate(weeks)}
    week = np.array([week_pos[week_of(t)] for t in imp.shown_at], dtype=np.int64)
    surface = np.array(imp.surface, dtype=object)
    viewer = np.array(imp.viewer, dtype=object)
    out: list[NetworkExposure] = []
    weekly_before: dict[str, list[int]] = {}
    weekly_after: dict[str, list[int]] = {}
    in_any = network != ""
    member_net = {snap.accounts[i]: net for i, net in snap.network.items() if snap.flags[i] & MEMBER}
    rec_follows = Counter(
        member_net[b] for a, b in imp.rec_follows if b in member_net and member_net.get(a) != member_net[b]
    )
    for net in sorted(members):
        rows = network == net
        out.append(
            NetworkExposure(
                net,
                members[net],
                _exposure(rows, viewer, minor_viewer, imp),
                _exposure(rows & keep, viewer, minor_viewer, imp),
                rec_follows.get(net, 0),
                dict(Counter(surface[rows].tolist()).most_common()),
                dict(Counter(surface[rows & keep].tolist()).most_common()),
            )
        )
        weekly_before[net] = np.bincount(week[rows], minlength=len(weeks)).tolist()
        weekly_after[net] = np.bincount(week[rows & keep], minlength=len(weeks)).tolist()
    minor_net = in_any & minor_viewer
    return ExposureAudit(
        platform=snap.platform,
        impressions=len(keep),
        kept=int(keep.sum()),
        benign_impressions=int((~in_any).sum()),
        benign_kept=int((~in_any & keep).sum()),
        removed_by_reason=dict(reasons.most_common()),
        benign_removed_by_reason=dict(Counter(reason[~in_any & ~keep].tolist()).most_common()),
        networks=out,
        weeks=weeks,
        weekly_before=weekly_before,
        weekly_after=weekly_after,
        weekly_minor_before=np.bincount(week[minor_net], minlength=len(weeks)).tolist(),
        weekly_minor_after=np.bincount(week[minor_net & keep], minlength=len(weeks)).tolist(),
    )


def _exposure(rows: np.ndarray, viewer: np.ndarray, minor: np.ndarray, imp: Impressions) -> Exposure:
    return Exposure(
        impressions=int(rows.sum()),
        viewers=len(set(viewer[rows].tolist())),
        minor_impressions=int((rows & minor).sum()),
        minor_viewers=len(set(viewer[rows & minor].tolist())),
        followed=int((rows & imp.followed).sum()),
        follows=int((rows & imp.confirmed).sum()),
        minor_follows=int((rows & imp.confirmed & minor).sum()),
    )
