"""Who reports whom in a planted world: users who met a seller, bad-faith mass reporters, stray reports,
the wrongly reported seeds of a clean world, flaggers who follow a network to report it, and a brigade
that reports the same members of a community (plant.py draws each in its turn; the flaggers and the
brigade from streams of their own, so the rest of the world is the same with or without them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bastion.graph.container import FloatArray, IntArray
from bastion.graph.load import report_signal
from bastion.graph.plant_events import (
    COHORT,
    COMMUNITY,
    FACILITATOR,
    FLAGGER,
    ORDINARY,
    ORDINARY_LABELS,
    SELLER,
    Follows,
    one_network_each,
)
from bastion.graph.reports import SPAM_REPORT_WEIGHT
from bastion.graph.signals import REPORT, TERM_MATCH

if TYPE_CHECKING:
    from bastion.graph.plant import PlantConfig

Reports = tuple[IntArray, IntArray, FloatArray]


def reports(
    rng: np.random.Generator,
    cfg: PlantConfig,
    label: npt.NDArray[np.int8],
    pulled: IntArray,
    followed: IntArray,
    false_seeds: IntArray | None,
    inter: list[tuple[int, int]],
) -> Reports:
    """Reporter -> reported account, one edge per pair (the loader keeps each reporter once per account)."""
    n = len(label)
    ordinary = np.flatnonzero(label == ORDINARY)
    everyone_ordinary = np.flatnonzero(np.isin(label, ORDINARY_LABELS))
    rows: list[tuple[int, int, float]] = []
    if not len(ordinary):
        return _report_arrays(rows)
    share = np.where(label == SELLER, cfg.seller_report_share, 0.0)
    share[label == FACILITATOR] = cfg.seller_report_share / 2
    for target in np.flatnonzero(rng.random(n) < share):  # honest: users who met the account report it
        met = pulled[followed == target]
        k = int(rng.integers(1, 4))
        who = list(rng.choice(met, size=min(k, len(met)), replace=False)) if len(met) else []
        while len(who) < k:
            r = int(rng.choice(ordinary))
            inter.append((r, int(target)))  # saw its content before reporting it
            who.append(r)
        rows += [(int(r), int(target), 1.0) for r in who]
    for r in rng.choice(ordinary, size=min(cfg.bad_faith_reporters, len(ordinary)), replace=False):
        victims = rng.choice(everyone_ordinary, size=min(cfg.bad_faith_targets, len(everyone_ordinary)))
        rows += [(int(r), int(v), 1.0) for v in victims]  # mass reports against ordinary accounts
    stray = everyone_ordinary[rng.random(len(everyone_ordinary)) < cfg.report_base_rate]
    for v in stray:
        w = SPAM_REPORT_WEIGHT if rng.random() < 0.5 else 1.0
        rows.append((int(rng.choice(ordinary)), int(v), w))
    for v in false_seeds if false_seeds is not None else []:  # the wrongly reported seed accounts
        rows += [(int(r), int(v), 1.0) for r in rng.choice(ordinary, size=int(rng.integers(1, 3)))]
    return _report_arrays(rows)


def add_flaggers(
    cfg: PlantConfig,
    label: npt.NDArray[np.int8],
    network: IntArray,
    created: IntArray,
    fol: Follows,
    rep: Reports,
    signals: dict[str, npt.NDArray[np.float64]],
    talk: tuple[list[tuple[int, int]], list[tuple[int, int]]] | None = None,
) -> Reports:
    """Users who follow a network to report it (a trusted flagger, a researcher, a parent): ``cfg.flaggers``
    ordinary accounts, each following ``flagger_follows`` sellers of one network and reporting the first
    ``flagger_reports`` of them; where ``flagger_writes`` is set (a journalist talking to the network it
    studies), it writes first to that many of the others, each of which answers (``talk``: the world's
    messages and replies, added to) and follows it back. Drawn from their own stream (``cfg.seed``, 3)
    after everything else, so the rest of the world is the same with or without them, except the reports
    they add. Returns the reports with theirs; the report signal is read again from them."""
    rng = np.random.default_rng([cfg.seed, 3])
    who: list[int] = []
    src: list[int] = []
    dst: list[int] = []
    rows: list[tuple[int, int, float]] = []
    sources: list[tuple[int, IntArray]] = []
    for flagger, theirs in one_network_each(rng, label, network, cfg.flaggers):
        follows = rng.choice(theirs, size=min(cfg.flagger_follows, len(theirs)), replace=False)
        who.append(flagger)
        src += [flagger] * len(follows)
        dst += follows.tolist()
        rows += [(flagger, int(t), 1.0) for t in follows[: cfg.flagger_reports]]
        sources.append((flagger, follows[cfg.flagger_reports :][: cfg.flagger_writes]))
    if not who:
        return rep
    when = fol.after(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), created, rng=rng)
    if cfg.flagger_writes > 0 and talk is not None:
        _talk_to_sources(sources, src, dst, when, fol, talk, rng)
    label[who] = FLAGGER
    return _with_reports(rep, rows, signals)


def _talk_to_sources(
    sources: list[tuple[int, IntArray]],
    src: list[int],
    dst: list[int],
    when: IntArray,
    fol: Follows,
    talk: tuple[list[tuple[int, int]], list[tuple[int, int]]],
    rng: np.random.Generator,
) -> None:
    """Each flagger writes first to its ``sources`` (sellers it follows); each answers and follows it back
    after it was followed (``when``: the time of each follow in ``src``, ``dst``)."""
    msg, replies = talk
    at = {(a, b): t for a, b, t in zip(src, dst, when.tolist(), strict=True)}
    for flagger, theirs in sources:
        msg += [(flagger, int(s)) for s in theirs]
        replies += [(int(s), flagger) for s in theirs]
        lo = np.array([at[(flagger, int(s))] for s in theirs], dtype=np.int64)
        fol.since(theirs, np.full(len(theirs), flagger), lo, rng=rng)


def add_brigade(
    cfg: PlantConfig, label: npt.NDArray[np.int8], rep: Reports, signals: dict[str, npt.NDArray[np.float64]]
) -> Reports:
    """A report brigade: ``cfg.brigade`` ordinary accounts that each report the same ``brigade_targets``
    members of the innocent community (ordinary accounts where there is none), a campaign to have people
    who share a hobby's word taken down. Drawn from its own stream (``cfg.seed``, 6) after everything else,
    so the rest of the world is the same with or without it. Returns the reports with the brigade's; the
    report signal is read again from them."""
    rng = np.random.default_rng([cfg.seed, 6])
    pool = np.flatnonzero(label == ORDINARY)
    victims = np.flatnonzero(label == COMMUNITY)
    if not len(victims):
        victims = pool
    if cfg.brigade <= 0 or not len(pool) or not len(victims):
        return rep
    who = rng.choice(pool, size=min(cfg.brigade, len(pool)), replace=False)
    targets = rng.choice(victims, size=min(cfg.brigade_targets, len(victims)), replace=False)
    return _with_reports(rep, [(int(r), int(t), 1.0) for r in who for t in targets], signals)


def add_spam_reports(
    cfg: PlantConfig, label: npt.NDArray[np.int8], rep: Reports, signals: dict[str, npt.NDArray[np.float64]]
) -> Reports:
    """``cfg.cohort_spam_reports`` reports for spam on each member of the cohort, from ordinary accounts
    (with ``cohort_site_share``: a spam ring, new accounts that link one promo site and follow each
    other). Drawn from its own stream (``cfg.seed``, 8) after everything else; the report signal is read
    again from the reports."""
    rng = np.random.default_rng([cfg.seed, 8])
    pool = np.flatnonzero(label == ORDINARY)
    ring = np.flatnonzero(label == COHORT)
    k = cfg.cohort_spam_reports
    if k <= 0 or not len(pool) or not len(ring):
        return rep
    spam = [(int(r), int(t), SPAM_REPORT_WEIGHT) for t in ring for r in rng.choice(pool, size=k)]
    return _with_reports(rep, spam, signals)


def add_wrong_reports(
    cfg: PlantConfig, label: npt.NDArray[np.int8], rep: Reports, signals: dict[str, npt.NDArray[np.float64]]
) -> Reports:
    """``cfg.community_wrong_reports`` members of the innocent community that use its word, each reported
    (wrongly) by two ordinary accounts that do not know each other: a few stray reports in a club, from
    people who saw the word. Drawn from its own stream (``cfg.seed``, 10) after everything else."""
    rng = np.random.default_rng([cfg.seed, 10])
    pool = np.flatnonzero(label == ORDINARY)
    worded = np.flatnonzero((label == COMMUNITY) & (signals[TERM_MATCH] > 0))
    k = min(cfg.community_wrong_reports, len(worded))
    if k <= 0 or len(pool) < 2:
        return rep
    targets = rng.choice(worded, size=k, replace=False)
    wrong = [(int(r), int(t), 1.0) for t in targets for r in rng.choice(pool, size=2, replace=False)]
    return _with_reports(rep, wrong, signals)


def _with_reports(
    rep: Reports, added: list[tuple[int, int, float]], signals: dict[str, npt.NDArray[np.float64]]
) -> Reports:
    """``rep`` with the reports ``added`` (reporter, reported, weight), and the report signal read again
    from them (one per world part that adds reports after the rest: flaggers, a brigade, spam reports)."""
    rows = [(int(r), int(t), float(w)) for r, t, w in zip(*rep, strict=True)] + added
    out = _report_arrays(rows)
    signals[REPORT] = report_strength(out, len(signals[REPORT]))
    return out


def _report_arrays(rows: list[tuple[int, int, float]]) -> Reports:
    best: dict[tuple[int, int], float] = {}
    for r, t, w in rows:
        if r != t:
            best[(r, t)] = max(best.get((r, t), 0.0), w)
    keys = sorted(best)
    arr = np.array(keys, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1], np.array([best[k] for k in keys], dtype=np.float64)


def report_strength(rep: Reports, n: int) -> FloatArray:
    """1 - 0.5 ** (sum of distinct reporters' weights), as bastion.graph.load computes it."""
    return np.asarray(report_signal(np.bincount(rep[1], weights=rep[2], minlength=n)), dtype=np.float64)
