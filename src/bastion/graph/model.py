"""The evidence model: every feature in log-odds, one weight per feature, a prior estimated per platform.

A member's score is a probability: sigmoid(prior log-odds + sum of weight x feature). Features are
log-likelihood ratios against this platform's null (base rates for own signals, chance for lockstep and
association), so with the default weights of 1 the score is a naive-Bayes posterior; reviewers' verdicts
re-fit the weights (``learn.py``). The prior share of members is estimated by expectation-maximisation
(the share that the posteriors themselves imply), so a small platform with a large network and a large
platform with a small one are both calibrated. Nothing is clipped: a reviewer can rank 0.97 above 0.91.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bastion.core.signals import Side, lookup
from bastion.graph.container import FloatArray, IntArray
from bastion.graph.signals import (
    BLOCKED_SEARCH,
    HASH_MATCH,
    NEW_ACCOUNT,
    REPORT,
    SHARED_LINK,
    STORIES_ONLY,
    TERM_MATCH,
)

SEED, LOCKSTEP, TIE, REACH, DENSE, CELL = "seed", "lockstep", "tie", "reach", "dense", "cell"
#: Not a feature: the dossier's name for what the platform calibration (``calibrate.py``) adds.
CALIBRATION = "calibration"
#: Seller-side features (what an advertiser shows) and buyer-side ones (what a customer does).
SELLER_FEATURES = (HASH_MATCH, TERM_MATCH, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT, REPORT, SEED, LOCKSTEP)
BUYER_FEATURES = (BLOCKED_SEARCH,)
FEATURES = (*SELLER_FEATURES, *BUYER_FEATURES, TIE, REACH, DENSE, CELL)
#: Dense blocks are evidence a reviewer sees and a role input, not a share of the score, until verdicts
#: show they help: legitimate communities are dense too.
DEFAULT_WEIGHTS: Mapping[str, float] = {**dict.fromkeys(FEATURES, 1.0), DENSE: 0.0}
#: A weight for a feature kind this model does not know (a new signal kind's default until verdicts fit
#: one; give it in ``Weights.coefficients`` to set it explicitly).
UNKNOWN_WEIGHT = 0.5

#: A seed is someone's assertion (a report, an analyst): real evidence, never proof on its own.
SEED_LLR = 3.0
#: Lockstep partners beyond chance: log-odds per doubling, and the most it may say.
LOCKSTEP_PER_DOUBLING, LOCKSTEP_MAX = 1.5, 4.5
DENSE_LLR = 2.0

PRIOR_START = 0.005
PRIOR_BOUNDS = (1e-4, 0.3)

_WORDS = {
    SEED: "given as a seed",
    LOCKSTEP: "synchronised with other accounts beyond chance",
    TIE: "friends with strong members (contacts both ways)",
    REACH: "reaches out to strong sellers",
    DENSE: "inside a dense block of suspects",
    CELL: "in a tight group showing several kinds of signal",
    CALIBRATION: "re-valued on this platform",
}


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """The feature names of one run: the tuned ones, then any other own-signal kind on its declared side
    (appended, so the sums over the tuned features run in the same order as before)."""

    seller: tuple[str, ...] = SELLER_FEATURES
    buyer: tuple[str, ...] = BUYER_FEATURES

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.seller, *self.buyer, TIE, REACH, DENSE, CELL)

    @classmethod
    def of(cls, kinds: Iterable[str]) -> FeatureSet:
        extra = [k for k in kinds if k not in FEATURES]
        seller = tuple(k for k in extra if lookup(k).side is not Side.BUYER)
        buyer = tuple(k for k in extra if lookup(k).side is Side.BUYER)
        return cls((*SELLER_FEATURES, *seller), (*BUYER_FEATURES, *buyer))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0))), dtype=np.float64)


def lockstep_llr(partners: FloatArray) -> FloatArray:
    return np.asarray(
        np.minimum(LOCKSTEP_MAX, LOCKSTEP_PER_DOUBLING * np.log2(1.0 + partners)), dtype=np.float64
    )


@dataclass(frozen=True, slots=True)
class Weights:
    """Feature weights and where they came from (shown in every dossier)."""

    coefficients: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    version: int = 0
    verdicts: int = 0
    fitted_at: str | None = None

    def __getitem__(self, feature: str) -> float:
        return float(self.coefficients.get(feature, DEFAULT_WEIGHTS.get(feature, UNKNOWN_WEIGHT)))

    def describe(self) -> str:
        if not self.verdicts:
            return "default weights (not yet fitted to reviewers' verdicts: bastion weights fit)"
        return f"weights v{self.version} from {self.verdicts} verdicts, fitted on {self.fitted_at}"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "verdicts": self.verdicts,
            "fitted_at": self.fitted_at,
            "coefficients": {k: round(float(v), 6) for k, v in self.coefficients.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Weights:
        d = json.loads(data) if isinstance(data, str) else data
        return cls(dict(d["coefficients"]), int(d["version"]), int(d["verdicts"]), d.get("fitted_at"))


def combine(features: Mapping[str, FloatArray], weights: Weights, names: tuple[str, ...]) -> FloatArray:
    total = np.zeros(len(next(iter(features.values()))))
    for name in names:
        if name in features:
            total = total + weights[name] * features[name]
    return np.asarray(total, dtype=np.float64)


def estimate_prior(evidence: FloatArray, start: float = PRIOR_START, iters: int = 200) -> float:
    """EM for the share of members given each account's log-likelihood ratio (bounded, deterministic).

    The share can be told only where the likelihood turns down before the top bound, that is where some
    accounts' evidence says against membership. Where none does (a platform that sends one kind many
    accounts carry a little of, so its absence is mute), every share fits better than the one below it,
    EM climbs to the bound and all of the platform would look suspect: the start stands instead."""
    ratio = np.expm1(np.clip(np.asarray(evidence, dtype=np.float64), -50.0, 50.0))  # likelihood ratio - 1
    if float(np.mean(ratio / (1.0 + PRIOR_BOUNDS[1] * ratio))) >= 0.0:
        return start
    pi = start
    for _ in range(iters):
        # the mean posterior, sigmoid(logit(pi) + evidence), read from the ratio: no exp per round
        nxt = float(np.clip(pi * np.mean((1.0 + ratio) / (1.0 + pi * ratio)), *PRIOR_BOUNDS))
        if abs(nxt - pi) < 1e-7:
            return nxt
        pi = nxt
    return pi


def contributions(
    features: Mapping[str, FloatArray], weights: Weights, idx: IntArray
) -> list[list[tuple[str, float]]]:
    """Per account of ``idx``: (feature, weighted log-odds), largest effect first, zeros left out (read for
    a whole network at once: account by account it was a tenth of a run on a 0.7M-edge platform)."""
    names = list(features)
    if not names:
        return [[] for _ in range(len(idx))]
    table = np.column_stack([weights[k] * np.asarray(features[k], dtype=np.float64)[idx] for k in names])
    out = []
    for row in table.tolist():
        kept = [(k, v) for k, v in zip(names, row, strict=True) if abs(v) >= 0.05]
        kept.sort(key=lambda kv: -abs(kv[1]))
        out.append(kept)
    return out


def explain(
    prior: float, score: float, parts: list[tuple[str, float]], weights: Weights, calibration: float = 0.0
) -> str:
    """``calibration``: what the platform calibration added to the stated log-odds (always named)."""
    # a signal an account lacks weighs against it: named as lacking, not as if the account carried it
    shown = ", ".join(f"{_WORDS.get(k, k if v >= 0 else f'no {k}')} {v:+.1f}" for k, v in parts[:6])
    odds = logit(min(max(score, 1e-15), 1.0 - 1e-15))  # ranks members whose probabilities all round to 1
    cal = f"; {_WORDS[CALIBRATION]} {calibration:+.1f}" if abs(calibration) >= 0.05 else ""
    return (
        f"probability {score:.4f} (log-odds {odds:+.1f}): prior 1 in {1 / prior:.0f} accounts on this "
        "platform, "
        f"evidence in log-odds: {shown or 'none'}{cal}; {weights.describe()}"
    )
