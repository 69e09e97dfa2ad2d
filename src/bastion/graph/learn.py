"""Re-fit the evidence model's weights from reviewers' verdicts: simple, explainable, monotone.

A regularised logistic regression on the model's own features (log-odds units), with every weight kept
non-negative (more evidence never lowers a score) and pulled toward the default weights, so 50 verdicts
move what they can show and leave the rest alone. The fitted intercept is not used: verdicts come from the
top of the ranking, not from the platform at large, so the prior stays the EM estimate of each run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from bastion.core.errors import InputError
from bastion.graph.container import FloatArray
from bastion.graph.model import DEFAULT_WEIGHTS, FEATURES, UNKNOWN_WEIGHT, Weights

#: How strongly weights are pulled toward the defaults (per verdict-free unit of evidence).
RIDGE = 2.0
#: Fewer verdicts than this, or verdicts of one kind only, cannot say anything about the weights.
MIN_VERDICTS = 20
MAX_WEIGHT = 5.0


@dataclass(frozen=True, slots=True)
class Fit:
    weights: Weights
    log_loss_before: float
    log_loss_after: float
    positives: int
    negatives: int

    def words(self) -> str:
        return (
            f"{self.weights.describe()}: {self.positives} violating, {self.negatives} not violating; "
            f"log-loss on them {self.log_loss_before:.3f} -> {self.log_loss_after:.3f}"
        )


def _loss(w: FloatArray, x: FloatArray, y: FloatArray, prior: FloatArray) -> tuple[float, FloatArray]:
    z = w[0] + x @ w[1:]
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
    eps = 1e-12
    ll = -float(np.mean(y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps)))
    reg = RIDGE / len(y) * float(np.sum((w[1:] - prior) ** 2))
    grad = np.empty_like(w)
    diff = (p - y) / len(y)
    grad[0] = diff.sum()
    grad[1:] = x.T @ diff + 2.0 * RIDGE / len(y) * (w[1:] - prior)
    return ll + reg, grad


def fit_weights(
    features: Mapping[str, FloatArray],
    labels: Sequence[bool],
    current: Weights,
    *,
    fitted_at: str,
) -> Fit:
    """``features[name][k]`` is the k-th labelled account's raw feature; ``labels[k]`` its verdict."""
    y = np.asarray(labels, dtype=np.float64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_VERDICTS or pos == 0 or neg == 0:
        raise InputError(
            f"{len(y)} verdicts ({pos} violating, {neg} not violating): at least {MIN_VERDICTS}, "
            "with both outcomes, are needed to fit weights",
            field="verdicts",
        )
    # the tuned features in their order, then any other kind's (a new signal kind's) by name
    names = [f for f in FEATURES if f in features] + sorted(set(features) - set(FEATURES))
    x = np.column_stack([np.asarray(features[f], dtype=np.float64) for f in names])
    prior = np.array([DEFAULT_WEIGHTS.get(f, UNKNOWN_WEIGHT) for f in names])
    start = np.concatenate([[0.0], np.array([current[f] for f in names])])
    z0 = x @ start[1:]
    b0 = float(np.log((pos + 0.5) / (neg + 0.5)) - np.median(z0))
    start[0] = b0
    before, _ = _loss(start, x, y, prior)
    bounds = [(None, None)] + [(0.0, MAX_WEIGHT)] * len(names)
    res = minimize(_loss, start, args=(x, y, prior), jac=True, method="L-BFGS-B", bounds=bounds)
    w = np.asarray(res.x, dtype=np.float64)
    after, _ = _loss(w, x, y, prior)
    fitted = {f: round(float(v), 6) for f, v in zip(names, w[1:], strict=True)}  # as stored
    coefficients = {**dict(current.coefficients), **fitted}
    weights = Weights(coefficients, current.version + 1, len(y), fitted_at)
    return Fit(weights, before, after, pos, neg)
