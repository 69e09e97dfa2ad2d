"""The bastion.synth platform (the demo's and the CLI tests' world) through export, ingest and the loader,
exactly as the CLI sees it, with its ground truth in the benchmark's :class:`Planted` form."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bastion.graph.load import load_platform
from bastion.graph.plant import BUYER, DECOY, FACILITATOR, SELLER, Planted
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export

LABELS = {"seller": SELLER, "buyer": BUYER, "facilitator": FACILITATOR, "decoy": DECOY}


def synth_platform(accounts: int, seed: int) -> Planted:
    platform = generate(SynthConfig(accounts=accounts, seed=seed))
    with tempfile.TemporaryDirectory() as tmp:
        write_export(platform, Path(tmp) / "export", fmt="csv")
        store = Store(f"sqlite:///{tmp}/synth.db")
        Ingestor(store).ingest(Path(tmp) / "export")
        graph = load_platform(store, platform.truth.platform).graph
        store.engine.dispose()
    truth = platform.truth
    label = np.zeros(graph.n, dtype=np.int8)
    network = np.full(graph.n, -1, dtype=np.int64)
    cell = np.full(graph.n, -1, dtype=np.int64)
    for a, role in truth.roles.items():
        i = graph.index.get(a)
        if i is None:
            continue
        label[i] = LABELS.get(role, 0)
        if role in ("seller", "buyer", "facilitator") and a in truth.network_of:
            network[i] = truth.network_of[a]
        cell[i] = truth.cell_of.get(a, -1)
    return Planted(graph, label, cell, list(truth.seeds), graph.n, network)
