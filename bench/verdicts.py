"""What reviewers' verdicts buy: detection before and after re-fitting the weights on 50 and 200 verdicts.

    .venv/bin/python bench/verdicts.py [--data DIR] [--graphs email-eu-core,ego-facebook,github-musae]
        [--shapes "buyers 2x sellers,cells of ~8 sellers"] [--budgets 50,200]

The worlds are bench/networks.py's (``_netbench.worlds``, and the network shapes of ``_netbench.shapes``
named by ``--shapes``: by default the four where its main table still misses targets), so the gains read
against its rows. The verdicts are what a review team would produce: the top-ranked accounts of the default
run, labelled with the planted truth (violating for network members, not violating otherwise). Weights are
fitted with ``bastion.graph.learn.fit_weights`` (monotone, pulled toward the defaults), from the verdicts
alone and read against the unjudged accounts (``learn.Background``, what ``bastion weights fit`` does), and
the whole platform is detected again. Printed per world and verdict budget: R-precision, seller and buyer
recall within twice the planted count, accounts flagged against the planted count, precision of the
flagged accounts, the score bands off by more than 0.1 (as bench/networks.py's reliability table), Brier
score and log-loss of every account, before and after. Then the same verdicts without a re-fit: the
accounts judged not violating held out of networks until something new (``bastion.graph.clearances``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _netbench.edges import GRAPH_FILES, load_edges
from _netbench.metrics import members_of, quality
from _netbench.shapes import DEALS_BY_MESSAGES, OLD_FRIENDS, UNREPORTING_JOURNALISTS, shapes
from _netbench.worlds import REAL_WORLDS, world
from bastion.core.errors import InputError
from bastion.graph import detect
from bastion.graph.clearances import Clearance, Clearances
from bastion.graph.learn import Background, fit_weights
from bastion.graph.model import Weights
from bastion.graph.pipeline import Detection
from bastion.graph.plant import NETWORK_LABELS, Planted, plant

#: The shapes read by default: those where bench/networks.py's main table misses targets, and the one whose
#: flagged outsiders only a reviewer's verdict can tell apart (journalists who report no one).
DEFAULT_SHAPES = (
    f"buyers 2x sellers,{DEALS_BY_MESSAGES},cells of ~8 sellers,{OLD_FRIENDS},{UNREPORTING_JOURNALISTS}"
)


def figures(planted: Planted, det: Detection) -> dict[str, float]:
    score, truth = np.asarray(det.score), np.isin(planted.label, NETWORK_LABELS)
    flagged = flagged_mask(planted, det)
    q = quality(planted, det)
    p = np.clip(score, 1e-9, 1 - 1e-9)
    return {
        "R-prec": q.r_prec,
        "sellerR@2x": q.seller_recall,
        "buyerR@2x": q.buyer_recall,
        "flagged/planted": q.ratio,
        "precision": float(truth[flagged].mean()) if flagged.any() else 0.0,
        "bands off": float(sum(b.miss for b in q.bands)),
        "brier": q.brier,
        "logloss": float(-(truth * np.log(p) + (1 - truth) * np.log(1 - p)).mean()),
    }


def _text(after: dict[str, float], before: dict[str, float] | None = None) -> str:
    """One line of figures, each with its change from ``before`` when given (bands off as a count)."""
    parts = []
    for k, v in after.items():
        digits = 0 if k == "bands off" else 3
        change = "" if before is None else f" ({v - before[k]:+.{digits}f})"
        parts.append(f"{k} {v:.{digits}f}{change}")
    return "  " + "  ".join(parts)


def flagged_mask(p: Planted, det: object) -> np.ndarray:
    out = np.zeros(p.graph.n, dtype=bool)
    out[list(members_of(p, det))] = True
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/graphs")
    ap.add_argument("--graphs", default="email-eu-core,ego-facebook,github-musae")
    ap.add_argument("--shapes", default=DEFAULT_SHAPES, help="comma-separated shape labels; '' for none")
    ap.add_argument("--budgets", default="50,200")
    args = ap.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    wanted = [w for w in args.shapes.split(",") if w]
    for name in args.graphs.split(","):
        src, dst, n = load_edges(args.data / GRAPH_FILES[name])
        worlds = [("default", world(name, REAL_WORLDS[name]))]
        known = dict(shapes(name, REAL_WORLDS[name]))
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise SystemExit(f"--shapes: no shape {unknown[0]!r}; the shapes are: {', '.join(known)}")
        worlds += [(w, known[w]) for w in wanted]
        for label, cfg in worlds:
            run_world(name, label, plant(src, dst, n, cfg, platform=name), budgets)


def run_world(name: str, label: str, planted: Planted, budgets: list[int]) -> None:
    g = planted.graph
    truth = np.isin(planted.label, NETWORK_LABELS)
    base = detect(g, planted.seeds)
    before = figures(planted, base)
    print(f"\n{name} / {label}: {g.n:,} accounts, {int(truth.sum())} planted members; default weights")
    print(_text(before))
    for budget in budgets:
        top = np.argsort(-base.score, kind="stable")[:budget]
        feats = {k: v[top] for k, v in base.features.items()}
        unjudged = Background.sample(base.features, base.score, top)
        for how, bg in (("verdicts alone", None), ("with the unjudged platform", unjudged)):
            try:
                fit = fit_weights(feats, truth[top].tolist(), Weights(), fitted_at="bench", background=bg)
            except InputError as exc:  # e.g. every top-ranked account was violating: nothing to learn
                print(f"  after {budget} verdicts, {how}: no fit ({exc})")
                continue
            after = figures(planted, detect(g, planted.seeds, weights=fit.weights))
            print(f"  after {budget} verdicts, {how} ({fit.positives} violating): {fit.words()}")
            print(_text(after, before))
            changed = {
                k: round(float(v), 2)
                for k, v in fit.weights.coefficients.items()
                if abs(v - Weights()[k]) > 0.05
            }
            print(f"  weights that moved: {changed or 'none'}")
        # and what the not-violating verdicts do by themselves: each such account is held out of networks
        # until something new (clearances.py); here nothing is new since, as on the day after review
        cleared = top[~truth[top]]
        g.cleared = Clearances({int(i): Clearance(0.0, "bench") for i in cleared.tolist()})
        try:
            held = figures(planted, detect(g, planted.seeds))
        finally:
            g.cleared = Clearances()
        print(f"  after {budget} verdicts, the {len(cleared)} not violating held out (nothing new since):")
        print(_text(held, before))


if __name__ == "__main__":
    main()
