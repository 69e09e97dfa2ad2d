"""A small synthetic platform, ingested, with its planted networks written as ``network_member`` signals."""

from __future__ import annotations

from pathlib import Path

from bastion.core.model import EntityType, Signal
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, SyntheticPlatform, generate, write_export

SMALL = SynthConfig(accounts=400, seed=3, networks=2, cells_per_network=2)


def plant_networks(store: Store, platform: SyntheticPlatform) -> list[str]:
    truth = platform.truth
    signals = [
        Signal(
            truth.platform,
            EntityType.ACCOUNT,
            account,
            "network_member",
            "graph",
            0.9,
            {
                "network_id": f"net-{truth.network_of[account]}",
                "role": role,
                "evidence": [{"signal": "planted", "text": f"planted {role} (test truth)"}],
            },
        )
        for account, role in truth.roles.items()
        if role != "decoy"
    ]
    store.signals.add(signals)
    return sorted({str(s.evidence["network_id"]) for s in signals})


def small_world(store: Store, tmp: Path, config: SynthConfig = SMALL) -> tuple[SyntheticPlatform, list[str]]:
    platform = generate(config)
    Ingestor(store).ingest(write_export(platform, tmp / "export"))
    return platform, plant_networks(store, platform)
