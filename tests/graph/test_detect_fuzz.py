"""Detection on platforms no generator of ours makes: random shapes, random signals, odd corners.

Each example is a small platform drawn by hypothesis: accounts with follows, interactions, messages and
reports at random densities, each signal kind carried by a random share (none, a few, all), follow times
or none, ages and posting formats or none, seeds that exist and seeds that do not, a recommender's
impressions and follows or none, weights a verdict fit might give (a kind at zero, another above its
default) and thresholds from lenient to strict; and, where the draw says so, a block of accounts that
carry every kind, dense inside and followed once from outside (a network the platform barely touches).
Whatever the platform, a run ends, scores are probabilities, the same input gives the same run, and every
member of a network is flagged and carries its evidence. Derandomised, so CI explores the same examples
each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bastion.graph import detect
from bastion.graph.container import AGE_UNKNOWN, AccountGraph, NodeAttributes
from bastion.graph.model import FEATURES, Weights
from bastion.graph.pipeline import DetectConfig, Detection
from bastion.graph.signals import (
    BLOCKED_SEARCH,
    HASH_MATCH,
    SHARED_LINK,
    TERM_MATCH,
)
from support.fuzzing import fuzz

KINDS = (TERM_MATCH, BLOCKED_SEARCH, HASH_MATCH, SHARED_LINK)
DAY = 86_400


@dataclass(frozen=True)
class Shape:
    n: int
    density: float
    interactions: float
    messages: float
    reports: float
    shares: tuple[float, ...]
    times: bool
    profiles: bool
    block: int
    seeds: int
    recommender: bool
    weighed: tuple[float, ...]
    threshold: float
    seed: int


shapes = st.builds(
    Shape,
    n=st.one_of(st.integers(1, 60), st.sampled_from([400, 1500])),
    density=st.sampled_from([0.0, 0.001, 0.005, 0.05]),
    interactions=st.sampled_from([0.0, 0.3, 1.0]),
    messages=st.sampled_from([0.0, 0.1]),
    reports=st.sampled_from([0.0, 0.01, 0.2]),
    shares=st.tuples(*[st.sampled_from([0.0, 0.01, 0.1, 1.0]) for _ in KINDS]),
    times=st.booleans(),
    profiles=st.booleans(),
    block=st.sampled_from([0, 0, 60, 150]),
    seeds=st.integers(0, 6),
    recommender=st.booleans(),
    # a verdict fit's weights: a kind may be weighed at zero (it then says nothing), or above its default
    weighed=st.one_of(st.just(()), st.tuples(*[st.sampled_from([0.0, 0.5, 1.0, 2.5]) for _ in FEATURES])),
    threshold=st.sampled_from([0.5, 0.5, 0.2, 0.9]),
    seed=st.integers(0, 2**16),
)


def _platform(s: Shape) -> tuple[AccountGraph, list[str]]:
    rng = np.random.default_rng(s.seed)
    n = s.n
    m = rng.poisson(s.density * n * n)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    block = min(s.block, n)
    signals = {
        k: np.where(rng.random(n) < share, rng.uniform(0.3, 1.0, n), 0.0)
        for k, share in zip(KINDS, s.shares, strict=True)
    }
    if block >= 3:
        # a block of strong accounts, dense inside, and nearly untouched from outside: one follow in
        inside = rng.random((block, block)) < 0.3
        bs, bd = np.nonzero(inside)
        outside = (src >= block) & (dst >= block)
        src = np.concatenate([src[outside], bs, [n - 1]])
        dst = np.concatenate([dst[outside], bd, [0]])
        for k in KINDS:
            signals[k][:block] = rng.uniform(0.6, 1.0, block)
    keep = src != dst
    src, dst = src[keep], dst[keep]

    def layer(rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        k = rng.poisson(rate * len(src)) if len(src) else 0
        if k == 0:
            return None
        pick = rng.integers(0, len(src), k)
        return src[pick], dst[pick], rng.integers(1, 5, k).astype(np.float64)

    reported = None
    if s.reports and n > 1:
        many = max(1, int(s.reports * n))
        a, b = rng.integers(0, n, many), rng.integers(0, n, many)
        reported = (a[a != b], b[a != b], np.ones(int((a != b).sum())))
    attrs = NodeAttributes.empty(n)
    if s.profiles:
        attrs = NodeAttributes(
            age_band=np.full(n, AGE_UNKNOWN, dtype=np.int8),
            account_age_days=np.where(rng.random(n) < 0.8, rng.uniform(0, 2000, n), np.nan),
            post_count=rng.integers(0, 200, n).astype(np.float64),
            stories_ratio=np.where(rng.random(n) < 0.9, rng.random(n), np.nan),
            reports_confirmed=np.zeros(n),
        )
    shown = layer(0.5) if s.recommender else None
    graph = AccountGraph.from_arrays(
        "fuzz",
        [f"a{i}" for i in range(n)],
        (src, dst),
        follow_times=rng.integers(0, 120 * DAY, len(src)) if s.times else None,
        follow_from_rec=rng.random(len(src)) < 0.3 if s.recommender else None,
        recommendations=shown,
        shares=layer(0.1 * s.interactions),
        replies=layer(0.5 * s.messages),
        interactions=layer(s.interactions),
        messages=layer(s.messages),
        reports=reported,
        attrs=attrs,
        signals=signals,
    )
    seeds = [f"a{i}" for i in rng.integers(0, n, s.seeds)] + ["no-such-account"]
    return graph, seeds


def _fingerprint(det: Detection) -> tuple[bytes, tuple[Any, ...]]:
    return (
        det.score.tobytes(),
        tuple(
            (net.network_id, tuple((mm.account_id, mm.role, mm.score) for mm in net.members))
            for net in det.networks
        ),
    )


@fuzz(100)
@given(shapes)
def test_any_platform_gives_a_run_of_probabilities_the_same_each_time(s: Shape) -> None:
    graph, seeds = _platform(s)
    weights = Weights(dict(zip(FEATURES, s.weighed, strict=True)), 1, 50, "fuzz") if s.weighed else None
    config = DetectConfig(threshold=s.threshold)
    det = detect(graph, seeds, config, weights)
    assert det.score.shape == (graph.n,)
    assert np.isfinite(det.score).all() and (det.score >= 0.0).all() and (det.score <= 1.0).all()
    for name, values in det.features.items():
        assert np.isfinite(values).all(), name
    for net in det.networks:
        assert len(net.members) >= config.min_network
        for member in net.members:
            assert member.score >= s.threshold and member.evidence
            assert det.score[graph.index[member.account_id]] == member.score
    assert _fingerprint(detect(graph, seeds, config, weights)) == _fingerprint(det)
