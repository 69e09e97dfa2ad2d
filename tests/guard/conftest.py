"""A tiny hand-made platform: a two-member network with a hanger-on, minors, a pending case, a suspect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bastion.core.model import EntityType, Signal
from bastion.guard.state import Detections, PlatformBase
from bastion.store import Store
from bastion.store.tables import accounts, follows, platforms, recommendations

PLATFORM = "tinybook"
AGES = {
    "s1": "unknown",  # seller, network n1
    "s2": "adult",  # seller, network n1
    "hanger": "adult",  # follows and is followed only by the sellers: close orbit
    "buyer": "adult",  # network n1 (buyer)
    "suspect": "adult",  # term_match signal, in no network
    "casey": "adult",  # pending child-safety case
    "kid": "minor",
    "kid2": "minor",
    "adam": "adult",
    "ada": "adult",
    "popular": "adult",
    "nobody": "unknown",
}
FOLLOWS = [
    ("s1", "s2"),
    ("s2", "s1"),
    ("hanger", "s1"),
    ("hanger", "s2"),
    ("s1", "hanger"),
    ("buyer", "s1"),
    ("s1", "popular"),
    ("s2", "popular"),
    ("kid", "popular"),
    ("adam", "popular"),
    ("ada", "popular"),
    ("ada", "kid"),  # ada is connected to kid
    ("kid2", "adam"),
    ("adam", "ada"),
]
MEMBERS = {"s1": "n1", "s2": "n1", "buyer": "n1"}
CASES = {"casey": "case-7"}
SUSPICION = {"suspect": 0.9, "s1": 0.9, "s2": 0.9, "buyer": 0.9, "ada": 0.2}


def tiny_base() -> PlatformBase:
    return PlatformBase.from_ids(PLATFORM, AGES, FOLLOWS)


def tiny_detections() -> Detections:
    return Detections(MEMBERS, CASES, SUSPICION)


T0 = datetime(2024, 3, 4, 12, tzinfo=UTC)  # a Monday

#: (viewer, recommended, surface, days after T0, followed)
IMPRESSIONS = [
    ("buyer", "s1", "suggested_accounts", 0, True),
    ("buyer", "s2", "suggested_accounts", 0, True),
    ("kid", "s1", "explore", 1, False),
    ("kid", "s2", "explore", 8, True),
    ("adam", "s1", "search", 8, False),
    ("adam", "popular", "search", 8, False),
    ("kid", "popular", "explore", 9, False),
    ("adam", "kid", "explore", 9, False),
]


#: follows made from a recommendation: buyer->s1 (inside the network) and kid->s2 (a minor pulled in)
REC_FOLLOWS = {("buyer", "s1"), ("kid", "s2")}


def fill_store(store: Store, *, signals: bool = True) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(platforms), [{"name": PLATFORM, "first_seen_at": T0}])
        conn.execute(
            insert(accounts),
            [
                {"platform": PLATFORM, "account_id": a, "created_at": T0, "age_band": b}
                for a, b in AGES.items()
            ],
        )
        conn.execute(
            insert(follows),
            [
                {
                    "platform": PLATFORM,
                    "follower_id": a,
                    "followee_id": b,
                    "created_at": T0,
                    "source": "recommendation" if (a, b) in REC_FOLLOWS else "profile",
                }
                for a, b in [*FOLLOWS, ("kid", "s2")]
            ],
        )
        conn.execute(
            insert(recommendations),
            [
                {
                    "platform": PLATFORM,
                    "viewer_id": v,
                    "recommended_id": r,
                    "surface": s,
                    "shown_at": T0 + timedelta(days=d),
                    "clicked": f,
                    "followed": f,
                }
                for v, r, s, d, f in IMPRESSIONS
            ],
        )
    if signals:
        plant_signals(store)


def plant_signals(store: Store) -> None:
    items = [
        Signal(PLATFORM, EntityType.ACCOUNT, a, "network_member", "graph", 0.9, {"network_id": n})
        for a, n in MEMBERS.items()
    ]
    items += [
        Signal(PLATFORM, EntityType.ACCOUNT, a, "case_open", "review", 1.0, {"case_id": c, "category": "cs"})
        for a, c in CASES.items()
    ]
    items += [
        Signal(PLATFORM, EntityType.ACCOUNT, a, "term_match", "terms", s, {}) for a, s in SUSPICION.items()
    ]
    store.signals.add(items)


@pytest.fixture
def tiny_store(store: Store) -> Store:
    fill_store(store)
    return store
