"""A reports-only world: bad actors known to a platform only through its users' reports, with ground truth.

A trust or rating platform (a marketplace, a trading forum) sends Bastion no lexicon and no hashes: its
users rate each other, and the negative ratings are reports. Its bad actors are individuals, each reported
by a share of the accounts that dealt with it; some vouch for each other with positive ratings; and
ordinary accounts are reported too, by routine disputes on their ties and by a few users with a grudge who
report dozens of strangers. Detection must rank the bad actors at least as well as the plain share of
reports each account received does, and must not call them a network of sellers (issue 12: on such a graph
with real labels the ranking had been at chance).

Used by bench/networks.py and the tests; every behaviour is a :class:`ReportsConfig` knob, and everything
is drawn from ``cfg.seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bastion.graph.container import FOLLOW, REPORT, AccountGraph, IntArray
from bastion.graph.plant_events import DAY


@dataclass(frozen=True, slots=True)
class ReportsConfig:
    seed: int = 1
    bad_share: float = 1 / 60  # of the accounts with at least two ties
    victim_report: float = 0.35  # each account tied to a bad actor reports it with this chance
    vouches: int = 3  # positive ratings each bad actor gives other bad actors
    dispute: float = 0.015  # each tie to an ordinary account turns into a report with this chance
    grudges: int = 5  # users who report many strangers
    grudge_reports: int = 40
    days: int = 120  # ratings spread evenly over this window


@dataclass(frozen=True, slots=True)
class ReportsWorld:
    graph: AccountGraph
    bad: npt.NDArray[np.bool_]


def plant_reports(
    src: IntArray, dst: IntArray, n: int, cfg: ReportsConfig | None = None, platform: str = "trust"
) -> ReportsWorld:
    """The substrate's ties as positive ratings (follows), reports as negative ones."""
    cfg = cfg or ReportsConfig()
    rng = np.random.default_rng(cfg.seed)
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    eligible = np.flatnonzero(degree >= 2)
    bad_idx = rng.choice(eligible, size=max(20, int(cfg.bad_share * len(eligible))), replace=False)
    bad = np.zeros(n, dtype=bool)
    bad[bad_idx] = True
    vs, vd = rng.choice(bad_idx, len(bad_idx) * cfg.vouches), rng.choice(bad_idx, len(bad_idx) * cfg.vouches)
    fs, fd = np.concatenate([src, vs[vs != vd]]), np.concatenate([dst, vd[vs != vd]])
    # victims report the bad actor they dealt with, whichever way the tie runs; every bad actor at least once
    hit_in = bad[dst] & (rng.random(len(dst)) < cfg.victim_report)
    hit_out = bad[src] & (rng.random(len(src)) < cfg.victim_report)
    disputed = ~bad[dst] & (rng.random(len(dst)) < cfg.dispute)
    grudge = np.repeat(rng.integers(0, n, cfg.grudges), cfg.grudge_reports)
    rs = np.concatenate([src[hit_in], dst[hit_out], rng.integers(0, n, len(bad_idx)), src[disputed], grudge])
    rd = np.concatenate([dst[hit_in], src[hit_out], bad_idx, dst[disputed], rng.integers(0, n, len(grudge))])
    keep = rs != rd
    times = rng.integers(0, cfg.days * DAY, len(fs))
    graph = AccountGraph.from_arrays(
        platform,
        [f"{platform}-{i}" for i in range(n)],
        (fs, fd),
        follow_times=times,
        reports=(rs[keep], rd[keep], np.ones(int(keep.sum()))),
    )
    return ReportsWorld(graph, bad)


def plain_share(graph: AccountGraph) -> npt.NDArray[np.float64]:
    """The baseline detection must match: the share of what each account received that is reports
    (reporters / (reporters + followers)), with no weighting at all."""
    received = np.asarray((graph.layer(REPORT) > 0).sum(axis=0)).ravel().astype(np.float64)
    followed = np.asarray((graph.layer(FOLLOW) > 0).sum(axis=0)).ravel()
    return np.asarray(received / np.maximum(received + followed, 1.0), dtype=np.float64)


def auc(score: npt.NDArray[np.float64], truth: npt.NDArray[np.bool_]) -> float:
    """Area under the ROC curve: the chance a random bad actor outranks a random ordinary account (ties
    count half)."""
    from scipy.stats import rankdata

    ranks = rankdata(score)
    pos = int(truth.sum())
    neg = len(truth) - pos
    if not pos or not neg:
        return float("nan")
    return float((ranks[truth].sum() - pos * (pos + 1) / 2) / (pos * neg))
