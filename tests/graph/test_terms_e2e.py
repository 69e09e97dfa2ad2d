"""End to end with the term guard's signals: lexicon scan and search replay first, then detection.

Sellers advertise with (spelled-around) code words and buyers search for them; with those signals the
detector must find nearly every seller and most buyers, with few ordinary accounts in the networks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import GroundTruth, SynthConfig, generate, write_export
from bastion.system import Bastion
from bastion.terms.service import TermGuard


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, GroundTruth]:
    root = tmp_path_factory.mktemp("terms_e2e")
    platform = generate(SynthConfig(accounts=800, seed=3))
    write_export(platform, root / "export", fmt="csv")
    lexicon = root / "lexicon.csv"
    rows = "".join(f"{w},network_code,critical\n" for w in platform.truth.code_words)
    lexicon.write_text("term,category,severity\n" + rows, encoding="utf-8")
    return root / "export", lexicon, platform.truth


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds-table", "seedless"])
def test_term_signals_then_detection(
    store: Store, export: tuple[Path, Path, GroundTruth], seeded: bool
) -> None:
    folder, lexicon, truth = export
    Ingestor(store).ingest(folder)
    guard = TermGuard.from_files(store, [lexicon])
    assert guard.scan(truth.platform) > 0 and guard.scan_searches(truth.platform) > 0
    run = Bastion(store=store).graph.detect(seeds=None if seeded else [])
    got = {m.account_id: m.role for n in run.networks for m in n.members}
    sellers, buyers = set(truth.members("seller")), set(truth.members("buyer"))
    assert len(sellers & set(got)) / len(sellers) >= 0.9
    assert len(buyers & set(got)) / len(buyers) >= 0.5  # blocked searches lift half the buyers over even odds
    planted = [a for a in got if truth.roles.get(a) in ("seller", "buyer", "facilitator")]
    assert len(planted) / len(got) >= 0.95
    assert not set(truth.members("decoy")) & set(got)
    pairs = [(got[a], truth.roles[a]) for a in got if truth.roles.get(a) in ("seller", "buyer")]
    assert sum(r == t for r, t in pairs) / len(pairs) >= 0.95
    seller = next(m for n in run.networks for m in n.members if m.role == "seller")
    assert any(e.signal == "term_match" and "matched" in e.text for e in seller.evidence)
