"""The synthetic platform is deterministic, benign, scales, and plants what its truth file says."""

from __future__ import annotations

import filecmp
from pathlib import Path

from bastion.synth import SynthConfig, generate, write_export
from bastion.synth.vocab import CODE_WORDS


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_export(generate(SynthConfig(accounts=400, seed=5)), tmp_path / "a")
    b = write_export(generate(SynthConfig(accounts=400, seed=5)), tmp_path / "b")
    c = write_export(generate(SynthConfig(accounts=400, seed=6)), tmp_path / "c")
    names = sorted(p.name for p in a.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []
    _, mismatch, _ = filecmp.cmpfiles(a, c, names, shallow=False)
    assert "follows.csv" in mismatch


def test_planted_roles_and_signals() -> None:
    p = generate(SynthConfig(accounts=1_000, seed=9))
    truth = p.truth
    sellers, buyers = truth.members("seller"), truth.members("buyer")
    assert len(sellers) == p.config.sellers and len(buyers) == p.config.buyers
    assert len(truth.seeds) == 5 and set(truth.seeds) <= set(sellers)
    assert set(truth.code_words) <= set(CODE_WORDS)
    seller_posts = [x for x in p.tables["posts"] if x["account_id"] in set(sellers)]
    assert sum(x["kind"] == "story" for x in seller_posts) > len(seller_posts) / 2
    tags = {t for x in seller_posts for t in x["hashtags"].split(";")}
    assert set(truth.rotated_variants) & tags, "later seller posts use rotated variants"
    follows = set(zip(p.follow_src.tolist(), p.follow_dst.tolist(), strict=True))
    index = {p.account_id(i): i for i in range(p.config.accounts)}
    buyer_to_seller = sum((index[b], index[s]) in follows for b in buyers for s in sellers)
    assert buyer_to_seller >= 3 * len(buyers)


def test_size_knob_scales_follows() -> None:
    small = generate(SynthConfig(accounts=500, seed=1, posts_per_account=0))
    large = generate(SynthConfig(accounts=5_000, seed=1, posts_per_account=0))
    assert 8 * len(small.follow_src) < len(large.follow_src) < 12 * len(small.follow_src)
    assert len(set(zip(large.follow_src.tolist(), large.follow_dst.tolist(), strict=True))) == len(
        large.follow_src
    )
