"""The vectorised filter against a plain, one-candidate-at-a-time reading of the documented rules.

The filter answers from precomputed per-account tables and segment sums (for speed on a request path);
this checks it on random platforms, including unknown candidates, unknown via hops, empty and missing
explanations, and candidates that several rules apply to (the first rule must name the reason).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from bastion.guard.filter import REASONS, RecommendationGuard, Removal
from bastion.guard.policy import GuardPolicy
from bastion.guard.state import Detections, PlatformBase, Snapshot


def random_platform(rng: random.Random, n: int) -> tuple[PlatformBase, Detections]:
    ids = [f"u{i}" for i in range(n)]
    ages = {a: rng.choice(["adult", "adult", "minor", "unknown"]) for a in ids}
    follows = [(rng.choice(ids), rng.choice(ids)) for _ in range(n * 3)]
    members = {a: f"n{rng.randrange(2)}" for a in rng.sample(ids, n // 6)}
    # a few hangers-on that follow only members, so the orbit rule has work
    for h in rng.sample([a for a in ids if a not in members], 3):
        follows = [(x, y) for x, y in follows if h not in (x, y)]
        follows += [(h, m) for m in list(members)[:3]] + [(m, h) for m in list(members)[:2]]
    cases = {a: f"case-{a}" for a in rng.sample(ids, n // 10)}
    suspicion = {a: rng.random() for a in rng.sample(ids, n // 4)}
    base = PlatformBase.from_ids("rnd", ages, follows)
    return base, Detections(members, cases, suspicion)


def reference(
    snap: Snapshot,
    follows: set[tuple[str, str]],
    viewer: str,
    candidates: list[str],
    via: list[list[str] | None] | None,
) -> list[Removal]:
    """Each rule written out as the module docstring states it, in its order."""
    policy = snap.policy
    age = {a: ["unknown", "adult", "minor"][int(snap.age[i])] for a, i in snap.index.items()}
    v_age = age.get(viewer, "unknown")
    viewer_adult = v_age == "adult" or (v_age == "unknown" and policy.unknown_age_as_adult)
    out = []
    for pos, c in enumerate(candidates):
        i = snap.index.get(c)
        flags = int(snap.flags[i]) if i is not None else 0
        reason, detail = "", ""
        if flags & 1:
            reason, detail = "network_member", snap.network[i]  # type: ignore[index]
        elif flags & 2:
            reason, detail = "network_orbit", snap.network[i]  # type: ignore[index]
        elif flags & 4:
            reason, detail = "pending_case", snap.case[i]  # type: ignore[index]
        elif v_age == "minor" and flags & 8 and age.get(c) != "minor":
            reason = "suspicious_for_minor"
        elif (
            viewer_adult
            and policy.protect_minors_from_adults
            and age.get(c) == "minor"
            and (viewer, c) not in follows
            and (c, viewer) not in follows
        ):
            reason = "minor_for_adult"
        elif via is not None and via[pos]:
            hops = [snap.index.get(h) for h in via[pos] or []]
            if all(h is not None and snap.flags[h] & 3 for h in hops):
                reason = "via_network_only"
        if reason:
            out.append(Removal(c, pos, reason, detail))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_filter_matches_the_rules_read_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    base, det = random_platform(rng, 60)
    snap = Snapshot(base, det, GuardPolicy())
    names = base.accounts
    follows = {(names[a], names[b]) for a, b in zip(base.follow_src, base.follow_dst, strict=True)}
    guard = RecommendationGuard(snap)
    assert (snap.flags & 2).any()  # the orbit rule is exercised
    pool = [*base.accounts, "ghost-1", "ghost-2"]  # unknown to the platform
    seen: set[str] = set()
    for _ in range(40):
        viewer = rng.choice(pool)
        candidates = rng.sample(pool, 25)
        via = [rng.choice([None, [], rng.sample(pool, rng.randrange(1, 4))]) for _ in candidates]
        for v in (None, via):
            result = guard.filter(viewer, candidates, via=v)
            expected = reference(snap, follows, viewer, candidates, v)
            assert result.removed == expected
            gone = {r.position for r in expected}
            assert result.kept == [c for p, c in enumerate(candidates) if p not in gone]
            seen.update(r.reason for r in expected)
    assert seen == set(REASONS)  # every rule fired at least once across the run


def test_connected_many_agrees_with_connected() -> None:
    rng = random.Random(3)
    base, det = random_platform(rng, 40)
    snap = Snapshot(base, det, GuardPolicy())
    pairs = set(zip(base.follow_src.tolist(), base.follow_dst.tolist(), strict=True))
    minor = snap.age == 2
    for a in range(snap.n):
        got = snap.connected_many(a, np.arange(snap.n)).tolist()
        for b in range(snap.n):
            want = ((a, b) in pairs or (b, a) in pairs) and bool(minor[a] or minor[b])
            assert got[b] == want == snap.connected(a, b)
