"""Reviewers' verdicts re-fit the weights: monotone, pulled toward the defaults, versioned, and used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.graph.learn import BACKGROUND_SIZE, Background, fit_weights
from bastion.graph.load import load_platform
from bastion.graph.model import Weights
from bastion.graph.service import NetworkDetector
from bastion.graph.verdicts import current_weights, refit
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables_graph import graph_runs
from bastion.synth import GroundTruth
from support.exports import truth_export


def test_fit_lowers_a_misleading_feature_and_keeps_weights_non_negative() -> None:
    rng = np.random.default_rng(1)
    n = 300
    y = rng.random(n) < 0.5
    useful = np.where(y, rng.normal(3, 1, n), rng.normal(0, 1, n)).clip(0)
    misleading = rng.normal(2, 1, n).clip(0)  # as high for innocent accounts as for members
    fit = fit_weights(
        {"term_match": misleading, "tie": useful}, y.tolist(), Weights(), fitted_at="2026-12-02"
    )
    w = fit.weights
    assert w["term_match"] < 0.5 < w["tie"]
    assert all(v >= 0 for v in w.coefficients.values())
    assert fit.log_loss_after < fit.log_loss_before
    assert (w.version, w.verdicts) == (1, n)


def test_too_few_or_one_sided_verdicts_are_refused() -> None:
    with pytest.raises(InputError, match="at least 20"):
        fit_weights({"tie": np.ones(5)}, [True] * 5, Weights(), fitted_at="2026-12-02")
    with pytest.raises(InputError, match="both outcomes"):
        fit_weights({"tie": np.ones(40)}, [True] * 40, Weights(), fitted_at="2026-12-02")
    empty = Background({"tie": np.zeros(0)}, np.zeros(0))
    with pytest.raises(InputError, match="both outcomes"):  # nothing unjudged: as if none were given
        fit_weights({"tie": np.ones(40)}, [True] * 40, Weights(), fitted_at="2026-12-02", background=empty)
    unjudged = Background({"tie": np.zeros(100)}, np.zeros(100))
    with pytest.raises(InputError, match=r"at least 20 are needed"):
        fit_weights({"tie": np.ones(5)}, [True] * 5, Weights(), fitted_at="2026-12-02", background=unjudged)


def test_unjudged_accounts_let_one_sided_verdicts_fit_and_hold_what_ordinary_accounts_share() -> None:
    """Fifty violating verdicts and no other: against the unjudged platform they raise what sets them apart
    (strong contacts) and lower a word that thousands of ordinary accounts use as often."""
    rng = np.random.default_rng(2)
    n, m = 50, 5000
    tie, word = rng.normal(3, 1, n).clip(0), rng.normal(2, 0.5, n).clip(0)
    ordinary = {"tie": rng.normal(0, 0.5, m).clip(0), "term_match": rng.normal(2, 0.5, m).clip(0)}
    bg = Background(ordinary, np.full(m, 0.01))
    fit = fit_weights({"tie": tie, "term_match": word}, [True] * n, Weights(), fitted_at="d", background=bg)
    default = Weights()
    assert fit.weights["term_match"] < default["term_match"] and fit.weights["tie"] > default["tie"]
    assert fit.background == m and "read against 5000 unjudged accounts" in fit.words()
    assert fit.log_loss_after <= fit.log_loss_before


def test_the_unjudged_sample_leaves_out_the_judged_and_is_reproducible() -> None:
    n = BACKGROUND_SIZE + 5000
    features, probability = {"tie": np.arange(n, dtype=np.float64)}, np.zeros(n)
    judged = np.arange(0, n, 7)
    a = Background.sample(features, probability, judged)
    b = Background.sample(features, probability, judged)
    assert len(a.probability) == BACKGROUND_SIZE and np.array_equal(a.features["tie"], b.features["tie"])
    assert not np.isin(a.features["tie"].astype(np.int64), judged).any()
    small = Background.sample({"tie": np.arange(30.0)}, np.zeros(30), np.array([0, 1]))
    assert small.features["tie"].tolist() == list(range(2, 30))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=1200, seed=3)


def test_verdicts_refit_the_platform_weights_and_later_runs_use_them(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    folder, truth = export
    Ingestor(store).ingest(folder)
    detector = NetworkDetector(store)
    first = detector.detect(seeds=[])
    judged = [m.account_id for n in first.networks for m in n.members][:30]
    members = {a for a, r in truth.roles.items() if r in ("seller", "buyer", "facilitator")}
    ids = load_platform(store, truth.platform).graph.ids
    innocent = [a for a in ids if a not in members and a not in judged][:20]
    verdicts = [
        Signal(truth.platform, EntityType.ACCOUNT, a, "verdict", "review", float(a in members), {}, key="c1")
        for a in judged + innocent
    ]
    store.signals.add(verdicts)
    fit = refit(store, truth.platform)
    assert fit.weights.version == 1 and fit.weights.verdicts == len(set(judged + innocent))
    assert current_weights(store, truth.platform) == fit.weights
    run = detector.detect(seeds=[])
    with store.engine.connect() as conn:
        config = conn.execute(
            select(graph_runs.c.config).where(graph_runs.c.run_id == run.run_id)
        ).scalar_one()
    assert config["weights"]["version"] == 1 and config["seed"] == 7
    assert "words" in config["calibration"]  # the run keeps the platform calibration it used
    score_text = next(
        e.text for n in run.networks for m in n.members for e in m.evidence if e.signal == "score"
    )
    assert f"weights v1 from {fit.weights.verdicts} verdicts" in score_text


def test_verdicts_on_seeds_teach_the_seed_weight(store: Store, export: tuple[Path, GroundTruth]) -> None:
    """Seeds that reviewers judged not violating lower the seed weight (the refit run carries the seeds)."""
    folder, truth = export
    Ingestor(store).ingest(folder)
    assert truth.seeds
    seeds = set(truth.seeds)
    first = NetworkDetector(store).detect(seeds=sorted(seeds))
    members = [m.account_id for n in first.networks for m in n.members if m.account_id not in seeds][:30]
    # reviewers also judged members that reached them another way (reports), up to thirty violating
    planted = sorted(a for a, r in truth.roles.items() if r == "seller" and a not in seeds)
    members += [a for a in planted if a not in members][: 30 - len(members)]
    verdicts = [
        Signal(truth.platform, EntityType.ACCOUNT, a, "verdict", "review", float(ok), {}, key="c2")
        for a, ok in [(a, True) for a in members] + [(a, False) for a in sorted(seeds)]
    ]
    store.signals.add(verdicts)
    fit = refit(store, truth.platform)
    assert fit.weights["seed"] < 0.5 and fit.negatives == len(seeds)
