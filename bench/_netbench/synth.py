"""The bastion.synth platform (the demo's and the CLI tests' world) through export, ingest, the demo's scans
and the loader, exactly as the demo's detection step sees it, with its ground truth in the benchmark's
:class:`Planted` form.

The scans are the demo's: a lexicon of the truth's invented code words (the rotated variants are not in it)
and its known-hash list, so term matches, blocked searches and hash matches are the signals an operator
with those lists would have; without them the row measured detection on a platform nobody had scanned."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bastion.graph.load import load_platform
from bastion.graph.plant import BUYER, DECOY, FACILITATOR, SELLER, Planted
from bastion.ingest import Ingestor
from bastion.media.banks import parse_records
from bastion.media.repository import BankRepository
from bastion.media.service import MediaMatcher
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.synth.truth import GroundTruth
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import TermGuard

LABELS = {"seller": SELLER, "buyer": BUYER, "facilitator": FACILITATOR, "decoy": DECOY}


def synth_platform(accounts: int, seed: int) -> Planted:
    platform = generate(SynthConfig(accounts=accounts, seed=seed))
    with tempfile.TemporaryDirectory() as tmp:
        write_export(platform, Path(tmp) / "export", fmt="csv")
        store = Store(f"sqlite:///{tmp}/synth.db")
        Ingestor(store).ingest(Path(tmp) / "export")
        _scan_like_the_demo(store, platform.truth, Path(tmp))
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


def _scan_like_the_demo(store: Store, truth: GroundTruth, folder: Path) -> None:
    lexicon = folder / "codewords.csv"
    lexicon.write_text(
        "term,category,severity,note\n" + "".join(f"{w},demo_block,critical,\n" for w in truth.code_words),
        encoding="utf-8",
    )
    LexiconRepository(store).import_lexicon(parse_lexicon_csv(lexicon, name="codewords"), by="bench")
    guard = TermGuard.from_store(store)
    guard.scan(truth.platform)
    guard.scan_searches(truth.platform)
    bank = BankRepository(store, folder / "index")
    bank.import_records(list(parse_records(truth.known_hashes, where="truth.known_hashes")), by="bench")
    MediaMatcher(store, bank.matcher).scan(truth.platform)
