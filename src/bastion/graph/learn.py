"""Re-fit the evidence model's weights from reviewers' verdicts: simple, explainable, monotone.

A regularised logistic regression on the model's own features (log-odds units), with every weight kept
non-negative (more evidence never lowers a score) and pulled toward the default weights, so 50 verdicts
move what they can show and leave the rest alone. The fitted intercept is not used: verdicts come from the
top of the ranking, not from the platform at large, so the prior stays the EM estimate of each run.

Because verdicts come from the top of the ranking, they alone say nothing about the rest of the platform:
a fit on them may raise a feature that separates the top's members from the top's innocent accounts and
that thousands of ordinary accounts below share. So the fit also reads a sample of the *unjudged* accounts
(``Background``), each at the current run's member probability as a soft label, together weighing as much
as the verdicts: what the reviewers taught moves the weights, what nobody judged holds them where the
platform's own estimate put them. The same contrast lets one-sided verdicts (the top 50, all violating)
say how far their features can be trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from bastion.core.errors import InputError
from bastion.graph.container import FloatArray, IntArray
from bastion.graph.model import DEFAULT_WEIGHTS, FEATURES, UNKNOWN_WEIGHT, Weights

#: How strongly weights are pulled toward the defaults (per verdict-free unit of evidence).
RIDGE = 2.0
#: Fewer verdicts than this, or (without a background) verdicts of one kind only, cannot say anything.
MIN_VERDICTS = 20
MAX_WEIGHT = 5.0
#: Unjudged accounts read into a fit, at most (a seeded sample beyond), and their weight in all, in verdicts.
BACKGROUND_SIZE = 20_000
BACKGROUND_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Background:
    """Unjudged accounts' features and their member probability in the run the verdicts were read from."""

    features: Mapping[str, FloatArray]
    probability: FloatArray

    @classmethod
    def sample(
        cls, features: Mapping[str, FloatArray], probability: FloatArray, judged: IntArray, seed: int = 0
    ) -> Background:
        """Every account not judged, or a seeded sample of ``BACKGROUND_SIZE`` of them (reproducible)."""
        pool = np.setdiff1d(np.arange(len(probability)), judged)
        if len(pool) > BACKGROUND_SIZE:
            pool = np.sort(np.random.default_rng(seed).choice(pool, BACKGROUND_SIZE, replace=False))
        return cls({k: np.asarray(v)[pool] for k, v in features.items()}, np.asarray(probability)[pool])


@dataclass(frozen=True, slots=True)
class Fit:
    weights: Weights
    log_loss_before: float
    log_loss_after: float
    positives: int
    negatives: int
    background: int = 0

    def words(self) -> str:
        against = f", read against {self.background} unjudged accounts" if self.background else ""
        return (
            f"{self.weights.describe()}: {self.positives} violating, {self.negatives} not violating"
            f"{against}; log-loss on them {self.log_loss_before:.3f} -> {self.log_loss_after:.3f}"
        )


def _loss(
    w: FloatArray, x: FloatArray, y: FloatArray, weight: FloatArray, prior: FloatArray, n: int
) -> tuple[float, FloatArray]:
    """Weighted cross-entropy (soft labels allowed) per verdict, plus the pull toward ``prior``."""
    z = w[0] + x @ w[1:]
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
    eps = 1e-12
    ll = -float(np.dot(weight, y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps))) / n
    reg = RIDGE / n * float(np.sum((w[1:] - prior) ** 2))
    grad = np.empty_like(w)
    diff = weight * (p - y) / n
    grad[0] = diff.sum()
    grad[1:] = x.T @ diff + 2.0 * RIDGE / n * (w[1:] - prior)
    return ll + reg, grad


def fit_weights(
    features: Mapping[str, FloatArray],
    labels: Sequence[bool],
    current: Weights,
    *,
    fitted_at: str,
    background: Background | None = None,
) -> Fit:
    """``features[name][k]`` is the k-th labelled account's raw feature; ``labels[k]`` its verdict."""
    y = np.asarray(labels, dtype=np.float64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if background is not None and not len(background.probability):
        background = None  # nothing unjudged to read against
    if len(y) < MIN_VERDICTS or (background is None and (pos == 0 or neg == 0)):
        both = "" if background is not None else ", with both outcomes,"
        raise InputError(
            f"{len(y)} verdicts ({pos} violating, {neg} not violating): at least {MIN_VERDICTS}{both} "
            "are needed to fit weights",
            field="verdicts",
        )
    # the tuned features in their order, then any other kind's (a new signal kind's) by name
    names = [f for f in FEATURES if f in features] + sorted(set(features) - set(FEATURES))
    x = np.column_stack([np.asarray(features[f], dtype=np.float64) for f in names])
    judged = len(y)
    weight = np.ones(judged)
    if background is not None:
        m = len(background.probability)
        zero = np.zeros(m)
        x = np.vstack([x, np.column_stack([np.asarray(background.features.get(f, zero)) for f in names])])
        y = np.concatenate([y, np.clip(background.probability, 0.0, 1.0)])
        weight = np.concatenate([weight, np.full(m, BACKGROUND_WEIGHT * judged / m)])
    prior = np.array([DEFAULT_WEIGHTS.get(f, UNKNOWN_WEIGHT) for f in names])
    start = np.concatenate([[0.0], np.array([current[f] for f in names])])
    # the current weights at their best intercept: the "before" of the report and where the fit starts
    start[0] = minimize_scalar(
        lambda b: _loss(np.concatenate([[b], start[1:]]), x, y, weight, prior, judged)[0],
        bounds=(-60.0, 60.0),
        method="bounded",
    ).x
    bounds = [(None, None)] + [(0.0, MAX_WEIGHT)] * len(names)
    res = minimize(
        _loss, start, args=(x, y, weight, prior, judged), jac=True, method="L-BFGS-B", bounds=bounds
    )
    w = np.asarray(res.x, dtype=np.float64)
    verdicts = (x[:judged], y[:judged], weight[:judged], prior, judged)
    before, after = _loss(start, *verdicts)[0], _loss(w, *verdicts)[0]
    fitted = {f: round(float(v), 6) for f, v in zip(names, w[1:], strict=True)}  # as stored
    coefficients = {**dict(current.coefficients), **fitted}
    weights = Weights(coefficients, current.version + 1, judged, fitted_at)
    return Fit(weights, before, after, pos, neg, 0 if background is None else len(background.probability))
