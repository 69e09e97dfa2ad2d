"""Follow-through arithmetic: which actioned or reported accounts are still active, and for how long.

The 2023 finding was "a month after 405 sellers were reported, 31 were still active": that figure needs, per
account, when the decision was made and what the platform's latest export says. Pure functions over plain
records; ``status.py`` loads them from the database.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

#: (label, lower bound in days inclusive, upper bound exclusive)
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 1 day", 0.0, 1.0),
    ("1-7 days", 1.0, 7.0),
    ("7-30 days", 7.0, 30.0),
    (">= 30 days", 30.0, float("inf")),
)


@dataclass(frozen=True, slots=True)
class Tracked:
    """One account Bastion expects to be gone: disabled by a decision, or reported to the CyberTipline."""

    platform: str
    account_id: str
    decided_at: datetime
    status: str | None  # the platform's latest ingested status; None: not in the export
    as_of: datetime  # when that status was true (the export's time)
    why: tuple[str, ...] = ()  # "disabled", "reported"
    role: str | None = None

    @property
    def days(self) -> float:
        return max(0.0, (self.as_of - self.decided_at).total_seconds() / 86_400)

    @property
    def still_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class BucketRow:
    label: str
    tracked: int
    still_active: int

    @property
    def share(self) -> float:
        return self.still_active / self.tracked if self.tracked else 0.0


@dataclass(frozen=True, slots=True)
class FollowThrough:
    tracked: int
    still_active: int
    buckets: list[BucketRow]
    escalate: list[Tracked] = field(default_factory=list)


def follow_through(items: Iterable[Tracked], *, escalate_after_days: float) -> FollowThrough:
    items = list(items)
    rows = []
    for label, lo, hi in BUCKETS:
        inside = [t for t in items if lo <= t.days < hi]
        rows.append(BucketRow(label, len(inside), sum(t.still_active for t in inside)))
    escalate = [t for t in items if t.still_active and t.days >= escalate_after_days]
    return FollowThrough(len(items), sum(t.still_active for t in items), rows, escalate)


@dataclass(frozen=True, slots=True)
class Transparency:
    networks_dismantled: int
    accounts_by_role: dict[str, int]
    median_hours_to_action: float | None
    old_enough_30d: int
    still_active_30d: int

    @property
    def share_still_active_30d(self) -> float | None:
        return self.still_active_30d / self.old_enough_30d if self.old_enough_30d else None

    def as_json(self) -> dict[str, object]:
        return {
            "networks_dismantled": self.networks_dismantled,
            "accounts_actioned_by_role": self.accounts_by_role,
            "median_hours_to_action": self.median_hours_to_action,
            "accounts_30_days_after_decision": self.old_enough_30d,
            "still_active_after_30_days": self.still_active_30d,
            "share_still_active_after_30_days": self.share_still_active_30d,
        }


def transparency(
    *,
    networks_dismantled: int,
    roles: dict[str, str | None],
    hours_to_action: Sequence[float],
    tracked: Iterable[Tracked],
) -> Transparency:
    """``roles``: actioned account -> role in its network (None: acted on alone)."""
    by_role: dict[str, int] = {}
    for role in roles.values():
        by_role[role or "individual"] = by_role.get(role or "individual", 0) + 1
    old = [t for t in tracked if t.days >= 30]
    median = statistics.median(hours_to_action) if hours_to_action else None
    return Transparency(
        networks_dismantled, dict(sorted(by_role.items())), median, len(old), sum(t.still_active for t in old)
    )
