"""Recommendation guard benchmark: a friends-of-friends recommender replayed with and without the guard.

    .venv/bin/python bench/recommendations.py [--size 20000] [--plant]

Network signals come from the graph capability's detector when it is importable (else, or with --plant,
they are planted from the synthetic truth: sellers and buyers). Latency is the guard's filter on 500
candidates, next to the unguarded recommender's own time per request measured in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bastion.core.model import EntityType, Signal
from bastion.guard.filter import RecommendationGuard
from bastion.guard.replay import NETWORK_ROLES, FriendsOfFriends, replay
from bastion.guard.storage import audit_store, guard_state
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export


def ok(flag: bool) -> str:
    return "MET" if flag else "NOT MET"


def network_signals(
    store: Store, truth_roles: dict[str, str], network_of: dict[str, int], platform: str, plant: bool
) -> str:
    if not plant:
        try:
            from bastion.graph.service import NetworkDetector
        except ImportError:
            plant = True
        else:
            run = NetworkDetector(store).detect(platform)
            return (
                f"network_member signals from bastion.graph NetworkDetector (run {run.run_id}, "
                f"{run.flagged} flagged)"
            )
    store.signals.add(
        Signal(
            platform,
            EntityType.ACCOUNT,
            a,
            "network_member",
            "graph",
            0.9,
            {"network_id": f"net-{network_of[a]}", "role": r},
        )
        for a, r in truth_roles.items()
        if r in ("seller", "buyer")
    )
    return "network_member signals PLANTED from the synthetic truth (sellers + buyers), detection not run"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--k", type=int, default=10, help="suggestions per viewer in the replay")
    ap.add_argument("--plant", action="store_true", help="plant signals from the truth instead of detecting")
    ap.add_argument("--requests", type=int, default=1_000, help="timed filter requests")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        platform = generate(SynthConfig(accounts=args.size, seed=args.seed))
        export = write_export(platform, Path(tmp) / "export")
        store = Store(f"sqlite:///{tmp}/bench.db")
        Ingestor(store).ingest(export)
        truth = platform.truth
        print(
            f"platform: {args.size:,} accounts, {len(platform.follow_src):,} follows "
            f"(generated + ingested in {time.perf_counter() - t:.1f}s)"
        )
        t = time.perf_counter()
        print(
            network_signals(store, truth.roles, truth.network_of, truth.platform, args.plant),
            f"({time.perf_counter() - t:.1f}s)",
        )

        t = time.perf_counter()
        state = guard_state(store)
        snap = state.snapshot
        build = time.perf_counter() - t
        t = time.perf_counter()
        stale = state.refresh_if_stale()
        check = time.perf_counter() - t
        print(
            f"guard state: built in {build:.2f}s; {int((snap.flags & 1 > 0).sum())} members, "
            f"{int((snap.flags & 2 > 0).sum())} in close orbit; refresh check {check * 1e3:.1f} ms "
            f"(stale={stale})"
        )

        rec = FriendsOfFriends(state.base)
        t = time.perf_counter()
        suggestions = rec.recommend_many(list(range(snap.n)), k=args.k)
        print(
            f"replayed recommender: {len(suggestions):,} viewers x {args.k} in {time.perf_counter() - t:.1f}s"
        )
        report = replay(snap, suggestions, truth.roles)
        b, a = report.without, report.with_guard
        truth_members = sum(1 for r in truth.roles.values() if r in NETWORK_ROLES)
        print("\n== replay: without guard -> with guard ==")
        print(f"suggestions                      {b.suggestions:>8,} -> {a.suggestions:>8,}")
        print(
            f"detected members/orbit shown     {b.detected_shown:>8,} -> {a.detected_shown:>8,}   "
            f"target 0: {ok(a.detected_shown == 0)}"
        )
        print(
            f"  ... to minors                  {b.detected_to_minors:>8,} -> {a.detected_to_minors:>8,}   "
            f"target 0: {ok(a.detected_to_minors == 0)}"
        )
        print(
            f"true network members shown       {b.members_shown:>8,} -> {a.members_shown:>8,}   "
            f"({truth_members} planted incl. facilitators)"
        )
        print(f"  ... to minors                  {b.members_to_minors:>8,} -> {a.members_to_minors:>8,}")
        drop = report.drop("buyer_to_seller")
        print(
            f"buyer->seller suggestions        {b.buyer_to_seller:>8,} -> {a.buyer_to_seller:>8,}   "
            f"drop {drop:.2%} (target >= 99%): {ok(drop >= 0.99 and b.buyer_to_seller > 0)}"
        )
        nd, ad = report.benign_drop_network_rules, report.benign_drop_age_policy
        print(f"benign suggestions               {b.benign:>8,} -> {a.benign:>8,}")
        print(f"  benign drop, network/suspicion rules {nd:.2%} (target < 2%): {ok(nd < 0.02)}")
        print(
            f"  benign drop, minor-protection policy {ad:.2%} (minors not suggested to unconnected adults;"
            " a deliberate policy, GuardPolicy(protect_minors_from_adults=False) turns it off)"
        )
        print(f"  benign removals by reason: {report.benign_removed_by_reason}")

        latency(rec, snap, args.requests)
        audit = audit_store(store)
        shown = sum(n.before.impressions for n in audit.networks)
        kept = sum(n.after.impressions for n in audit.networks)
        print(
            f"\nexposure audit of the stored impressions: {shown:,} impressions of {len(audit.networks)} "
            f"detected network(s) -> {kept:,} after replay through the guard; benign impressions dropped "
            f"{audit.benign_drop:.1%} (removals: {audit.removed_by_reason})"
        )
        store.close()


def latency(rec: FriendsOfFriends, snap: object, requests: int) -> None:
    """Filter time for 500 candidates vs the recommender's own per-request time, same viewers, same run."""
    from bastion.guard.state import Snapshot

    assert isinstance(snap, Snapshot)
    guard = RecommendationGuard(snap)
    rng = np.random.default_rng(1)
    viewers = rng.choice(snap.n, size=requests, replace=True)
    base_t, filt_t = [], []
    for v in viewers:
        t = time.perf_counter()
        s = rec.recommend(int(v), k=500)
        base_t.append(time.perf_counter() - t)
        ids = [snap.accounts[c] for c in s.candidates]
        if len(ids) < 500:  # pad with random accounts so every request has 500
            ids += [snap.accounts[c] for c in rng.choice(snap.n, 500 - len(ids), replace=False)]
        via = [[snap.accounts[j] for j in p] for p in s.via] + [None] * (500 - len(s.via))
        t = time.perf_counter()
        guard.filter(snap.accounts[int(v)], ids, via=via)
        filt_t.append(time.perf_counter() - t)
    bp50, bp99 = np.percentile(base_t, [50, 99]) * 1e3
    fp50, fp99 = np.percentile(filt_t, [50, 99]) * 1e3
    print(f"\n== latency, 500 candidates, {requests} requests ==")
    print(f"unguarded recommender (baseline) p50 {bp50:.2f} ms  p99 {bp99:.2f} ms")
    print(
        f"guard filter (with via)          p50 {fp50:.2f} ms  p99 {fp99:.2f} ms   "
        f"= {fp50 / bp50:.2f}x / {fp99 / bp99:.2f}x the baseline"
    )
    print(f"filter p99 < 5 ms: {ok(fp99 < 5.0)}")


if __name__ == "__main__":
    main()
