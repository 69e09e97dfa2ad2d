"""What reviewers' verdicts buy: detection before and after re-fitting the weights on 50 and 200 verdicts.

    .venv/bin/python bench/verdicts.py [--data DIR] [--graphs email-eu-core,ego-facebook,github-musae]

The worlds are bench/networks.py's (``_netbench.worlds``), so the gains read against its rows. The verdicts
are what a review team would produce: the top-ranked accounts of the default run, labelled with the planted
truth (violating for network members, not violating otherwise). Weights are fitted with
``bastion.graph.learn.fit_weights`` (monotone, pulled toward the defaults), from the verdicts alone and
read against the unjudged accounts (``learn.Background``, what ``bastion weights fit`` does), and the whole
platform is detected again. Printed per graph and verdict budget: R-precision, accounts flagged against
the planted count, precision of the flagged accounts, Brier score and log-loss of every account, before and
after.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _netbench.edges import GRAPH_FILES, load_edges
from _netbench.metrics import members_of
from _netbench.worlds import REAL_WORLDS, world
from bastion.core.errors import InputError
from bastion.graph import detect
from bastion.graph.learn import Background, fit_weights
from bastion.graph.model import Weights
from bastion.graph.plant import NETWORK_LABELS, Planted, plant


def figures(score: np.ndarray, flagged: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    size = int(truth.sum())
    order = np.argsort(-score, kind="stable")
    p = np.clip(score, 1e-9, 1 - 1e-9)
    return {
        "R-prec": float(truth[order[:size]].mean()),
        "flagged/planted": float(flagged.sum() / size),
        "precision": float(truth[flagged].mean()) if flagged.any() else 0.0,
        "brier": float(((score - truth) ** 2).mean()),
        "logloss": float(-(truth * np.log(p) + (1 - truth) * np.log(1 - p)).mean()),
    }


def flagged_mask(p: Planted, det: object) -> np.ndarray:
    out = np.zeros(p.graph.n, dtype=bool)
    out[list(members_of(p, det))] = True
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/graphs")
    ap.add_argument("--graphs", default="email-eu-core,ego-facebook,github-musae")
    ap.add_argument("--budgets", default="50,200")
    args = ap.parse_args()
    for name in args.graphs.split(","):
        src, dst, n = load_edges(args.data / GRAPH_FILES[name])
        planted = plant(src, dst, n, world(name, REAL_WORLDS[name]), platform=name)
        g = planted.graph
        truth = np.isin(planted.label, NETWORK_LABELS)
        base = detect(g, planted.seeds)
        before = figures(base.score, flagged_mask(planted, base), truth)
        print(f"\n{name}: {g.n:,} accounts, {int(truth.sum())} planted members; default weights")
        print("  " + "  ".join(f"{k} {v:.3f}" for k, v in before.items()))
        for budget in (int(b) for b in args.budgets.split(",")):
            top = np.argsort(-base.score, kind="stable")[:budget]
            feats = {k: v[top] for k, v in base.features.items()}
            unjudged = Background.sample(base.features, base.score, top)
            for how, bg in (("verdicts alone", None), ("with the unjudged platform", unjudged)):
                try:
                    fit = fit_weights(feats, truth[top].tolist(), Weights(), fitted_at="bench", background=bg)
                except InputError as exc:  # e.g. every top-ranked account was violating: nothing to learn
                    print(f"  after {budget} verdicts, {how}: no fit ({exc})")
                    continue
                after_det = detect(g, planted.seeds, weights=fit.weights)
                after = figures(after_det.score, flagged_mask(planted, after_det), truth)
                print(f"  after {budget} verdicts, {how} ({fit.positives} violating): {fit.words()}")
                print("  " + "  ".join(f"{k} {v:.3f} ({v - before[k]:+.3f})" for k, v in after.items()))
                changed = {
                    k: round(float(v), 2)
                    for k, v in fit.weights.coefficients.items()
                    if abs(v - Weights()[k]) > 0.05
                }
                print(f"  weights that moved: {changed or 'none'}")


if __name__ == "__main__":
    main()
