"""Recommendation guard benchmark: a friends-of-friends recommender replayed with and without the guard.

    .venv/bin/python bench/recommendations.py [--size 20000] [--plant]

Network signals come from the graph capability's detector when it is importable (else, or with --plant,
they are planted from the synthetic truth: sellers and buyers). Latency is the guard's filter on 500
candidates, next to the unguarded recommender's own time per request measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bastion.core.model import EntityType, Signal
from bastion.guard.filter import MINOR_FOR_ADULT, RecommendationGuard
from bastion.guard.replay import NETWORK_ROLES, FriendsOfFriends, ReplayReport, replay
from bastion.guard.state import Snapshot
from bastion.guard.storage import audit_store, guard_state
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion


def ok(flag: bool) -> str:
    return "MET" if flag else "NOT MET"


def network_signals(
    store: Store, truth_roles: dict[str, str], network_of: dict[str, int], platform: str, plant: bool
) -> str:
    if not plant:
        run = Bastion(store=store).graph.detect(platform)
        return f"network_member signals from detection (run {run.run_id}, {run.flagged} flagged)"
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
    ap.add_argument("--requests", type=int, default=2_000, help="timed filter requests")
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
        benign_section(report)

        latency(rec, snap, args.requests)
        audit = audit_store(store)
        shown = sum(n.before.impressions for n in audit.networks)
        kept = sum(n.after.impressions for n in audit.networks)
        print(
            f"\nexposure audit of the stored impressions: {shown:,} impressions of {len(audit.networks)} "
            f"detected network(s) -> {kept:,} after replay through the guard (removals: "
            f"{audit.removed_by_reason});\nimpressions of accounts in no detected network dropped "
            f"{audit.benign_drop:.1%}: {audit.benign_drop_network_rules:.1%} by the network/suspicion rules, "
            f"{audit.benign_drop_age_policy:.1%} by the minor-protection policy"
        )
        store.close()


def benign_section(report: ReplayReport) -> None:
    """The benign drop split, so the detection-driven rules (target < 2%) and the age policy do not mix."""
    b = report.without.benign
    nd, ad = report.benign_drop_network_rules, report.benign_drop_age_policy
    by_reason = report.benign_removed_by_reason
    print(
        "\n== benign suggestions (viewer and candidate both outside the synthetic networks): "
        f"{b:,} -> {report.with_guard.benign:,} =="
    )
    print(f"(a) lost to the network/suspicion rules  {nd:6.2%}   target < 2%: {ok(nd < 0.02)}")
    for reason, count in by_reason.items():
        if reason != MINOR_FOR_ADULT:
            print(f"      {reason:<24} {count:>7,}  {count / b if b else 0.0:6.2%}")
    print(f"(b) lost to the minor-protection policy  {ad:6.2%}   (not a detection error; no target)")
    print(
        "      The issue asks that minors are not suggested to adults they are not already connected to.\n"
        "      Friends-of-friends suggests many minors to unconnected adults, so this rule removes those\n"
        "      suggestions on purpose, whoever the adult is. It is reported apart from (a) because it is a\n"
        "      policy choice, not a false positive;\n"
        "      GuardPolicy(protect_minors_from_adults=False) turns it off."
    )
    print(f"(a) + (b) together                       {nd + ad:6.2%}")


def latency(rec: FriendsOfFriends, snap: Snapshot, requests: int) -> None:
    """Filter time for 500 candidates vs the recommender's own per-request time, same viewers, same run.

    Wall time is what a caller waits; thread CPU time next to it separates the guard's own work from the
    time the (shared) machine's scheduler took the core away, and garbage collections that ran inside a
    timed request are counted, since those were the suspected cause of the old tail.
    """
    guard = RecommendationGuard(snap)
    rng = np.random.default_rng(1)
    viewers = rng.choice(snap.n, size=requests, replace=True)
    base_t, filt_t, filt_cpu = [], [], []
    gc_in_request = [0]
    timing = [False]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and timing[0]:
            gc_in_request[0] += 1

    gc.callbacks.append(on_gc)
    load_before = os.getloadavg()
    try:
        for v in viewers:
            t = time.perf_counter()
            s = rec.recommend(int(v), k=500)
            base_t.append(time.perf_counter() - t)
            ids = [snap.accounts[c] for c in s.candidates]
            if len(ids) < 500:  # pad with random accounts so every request has 500
                ids += [snap.accounts[c] for c in rng.choice(snap.n, 500 - len(ids), replace=False)]
            via = [[snap.accounts[j] for j in p] for p in s.via] + [None] * (500 - len(s.via))
            timing[0] = True
            c = time.thread_time()
            t = time.perf_counter()
            guard.filter(snap.accounts[int(v)], ids, via=via)
            filt_t.append(time.perf_counter() - t)
            filt_cpu.append(time.thread_time() - c)
            timing[0] = False
    finally:
        gc.callbacks.remove(on_gc)
    load_after = os.getloadavg()
    b50, b95, b99 = np.percentile(base_t, [50, 95, 99]) * 1e3
    f50, f95, f99 = np.percentile(filt_t, [50, 95, 99]) * 1e3
    c50, c95, c99 = np.percentile(filt_cpu, [50, 95, 99]) * 1e3
    print(f"\n== latency, 500 candidates (with via explanations), {requests:,} requests ==")
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before[0]:.1f} before / "
        f"{load_after[0]:.1f} after (other workers share it)"
    )
    print(f"unguarded recommender (baseline) p50 {b50:6.2f}  p95 {b95:6.2f}  p99 {b99:6.2f} ms (wall)")
    print(
        f"guard filter                     p50 {f50:6.2f}  p95 {f95:6.2f}  p99 {f99:6.2f} ms (wall)   "
        f"= {f50 / b50:.2f}x / {f95 / b95:.2f}x / {f99 / b99:.2f}x the baseline"
    )
    print(f"guard filter, CPU time           p50 {c50:6.2f}  p95 {c95:6.2f}  p99 {c99:6.2f} ms (thread)")
    print(f"garbage collections inside a timed filter request: {gc_in_request[0]} of {requests:,}")
    print(f"filter p99 < 5 ms: {ok(f99 < 5.0)}")


if __name__ == "__main__":
    main()
