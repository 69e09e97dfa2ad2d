"""Synthetic platform -> export -> ingest -> network signals (planted from the truth, as detection is
another capability) -> friends-of-friends recommender replayed with and without the guard."""

from __future__ import annotations

from pathlib import Path

from bastion.core.model import EntityType, Signal
from bastion.guard.replay import FriendsOfFriends, replay
from bastion.guard.storage import audit_store, guard_state
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export


def test_guard_stops_recommender_advertising_the_network(store: Store, tmp_path: Path) -> None:
    platform = generate(SynthConfig(accounts=1_200, seed=11))
    Ingestor(store).ingest(write_export(platform, tmp_path / "export"))
    truth = platform.truth
    flagged = [a for a, r in truth.roles.items() if r in ("seller", "buyer")]
    store.signals.add(
        Signal(
            truth.platform,
            EntityType.ACCOUNT,
            a,
            "network_member",
            "graph",
            0.9,
            {"network_id": f"net-{truth.network_of[a]}", "role": truth.roles[a]},
        )
        for a in flagged
    )
    state = guard_state(store)
    snap = state.snapshot
    recommender = FriendsOfFriends(state.base)
    report = replay(snap, recommender.recommend_many(list(range(snap.n)), k=10), truth.roles)

    before, after = report.without, report.with_guard
    assert before.detected_shown > 0 and before.buyer_to_seller > 0
    assert after.detected_shown == 0 and after.detected_to_minors == 0
    assert report.drop("buyer_to_seller") >= 0.99
    assert report.benign_drop_network_rules < 0.02
    assert after.benign > 0

    audit = audit_store(store)
    assert sum(n.before.impressions for n in audit.networks) > 0
    assert all(n.after.impressions == 0 for n in audit.networks)
