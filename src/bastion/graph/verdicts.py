"""Verdicts in, weights out: reviewers' decisions (``verdict`` signals from review) re-fit a platform's
evidence-model weights, kept versioned in ``graph_weights`` so each run names the weights it used.

The features are read from a run with the platform's stored seeds, as a detection run sees them, so the
seed weight is learned like any other: a seed that reviewers judged not violating teaches that seeds say
less here. The accounts nobody judged are read too, at that run's probabilities (``learn.Background``):
verdicts come from the top of the ranking and say nothing about the rest of the platform. A seed is not a
label itself: "seeded, therefore a member" would teach the seed weight from the seed, and push it to its
bound however often the seeds are wrong.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from bastion.core.timefmt import utcnow
from bastion.graph.learn import Background, Fit, fit_weights
from bastion.graph.load import load_platform, stored_seeds
from bastion.graph.model import Weights
from bastion.graph.pipeline import DetectConfig, detect
from bastion.graph.reporters import verdict_labels
from bastion.store import Store
from bastion.store.tables_graph import graph_weights


def current_weights(store: Store, platform: str) -> Weights:
    """The latest fitted weights of the platform, or the defaults."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(graph_weights.c.weights)
            .where(graph_weights.c.platform == platform)
            .order_by(graph_weights.c.version.desc())
            .limit(1)
        ).first()
    return Weights.from_json(row.weights) if row is not None else Weights()


def refit(store: Store, platform: str, config: DetectConfig | None = None) -> Fit:
    """Fit new weights on the features the current weights' run gives the judged accounts, and keep them."""
    loaded = load_platform(store, platform)
    graph = loaded.graph
    labels = {a: v for a, v in verdict_labels(store, platform).items() if a in graph.index}
    current = current_weights(store, platform)
    seeds = [a for a in stored_seeds(store, platform) if a in graph.index]
    det = detect(graph, seeds, config, current)
    idx = graph.indices(sorted(labels))
    features = {k: v[idx] for k, v in det.features.items()}
    now = utcnow()
    fit = fit_weights(
        features,
        [labels[graph.ids[i]] for i in idx.tolist()],
        current,
        fitted_at=now.date().isoformat(),
        background=Background.sample(det.features, det.score, idx),
    )
    with store.engine.begin() as conn:
        conn.execute(
            insert(graph_weights).values(
                platform=platform,
                version=fit.weights.version,
                verdicts=fit.weights.verdicts,
                fitted_at=now,
                weights=fit.weights.to_json(),
                summary=fit.words(),
            )
        )
    return fit
