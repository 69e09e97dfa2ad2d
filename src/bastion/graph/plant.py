"""Plant a synthetic seller/buyer network into a real (or synthetic) follow graph, with ground truth.

Used by bench/networks.py and the tests. The planted world follows the pattern researchers describe:
seller cells created together that barely touch each other, buyers (existing users) following a few
percent of sellers, facilitators who follow a large part of the network and re-share its content (few
posts of their own, link-in-bio hubs), camouflage follows from sellers to random or popular accounts,
ordinary users pulled in by recommendations, and decoys who use one code word innocently. Signals are
noisy on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bastion.graph.container import AGE_ADULT, AGE_MINOR, AccountGraph, IntArray, NodeAttributes
from bastion.graph.signals import BLOCKED_SEARCH, HASH_MATCH, REPORT, SHARED_LINK, TERM_MATCH

ORDINARY, SELLER, BUYER, DECOY, PULLED, FACILITATOR = 0, 1, 2, 3, 4, 5
NETWORK_LABELS = (SELLER, BUYER, FACILITATOR)
DAY = 86_400
HORIZON = 730 * DAY


@dataclass(frozen=True, slots=True)
class PlantConfig:
    sellers: int = 120
    buyers: int = 30
    cells: int = 6
    camouflage: str = "random"  # none | random | popular
    camouflage_per_seller: int = 15
    buyer_follow_share: float = 0.04
    facilitators: int = -1  # default: one per 20 sellers (at least 2)
    facilitator_follow_share: float = 0.25
    pulled: int = 0  # default: 2 x sellers
    decoys: int = 100
    seeds: int = 5
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Planted:
    graph: AccountGraph
    label: npt.NDArray[np.int8]
    cell: IntArray
    seeds: list[str]
    base_nodes: int


def plant(
    base_src: IntArray, base_dst: IntArray, n_base: int, cfg: PlantConfig, platform: str = "bench"
) -> Planted:
    """``base_*`` are undirected pairs of the substrate (each becomes a mutual follow)."""
    rng = np.random.default_rng(cfg.seed)
    s_n, n = cfg.sellers, n_base + cfg.sellers
    sellers = np.arange(n_base, n)
    label = np.zeros(n, dtype=np.int8)
    label[sellers] = SELLER
    cell = np.full(n, -1, dtype=np.int64)
    cell[sellers] = rng.integers(0, cfg.cells, s_n)
    deg = np.bincount(np.concatenate([base_src, base_dst]), minlength=n_base).astype(np.float64)

    src: list[IntArray] = [base_src, base_dst]
    dst: list[IntArray] = [base_dst, base_src]
    t_base = rng.integers(0, HORIZON, len(base_src))
    times: list[IntArray] = [t_base, t_base + rng.integers(0, 30 * DAY, len(base_src))]
    rec_f: list[npt.NDArray[np.bool_]] = [np.zeros(2 * len(base_src), dtype=bool)]

    def add(a: IntArray, b: IntArray, t: IntArray, from_rec: bool = False) -> None:
        src.append(a)
        dst.append(b)
        times.append(t)
        rec_f.append(np.full(len(a), from_rec))

    created = np.zeros(n)
    for c in range(cfg.cells):
        members = sellers[cell[sellers] == c]
        if len(members) < 2:
            continue
        t_c = int(rng.integers(HORIZON - 200 * DAY, HORIZON - 20 * DAY))
        created[members] = t_c
        anchors = rng.choice(members, size=min(3, len(members)), replace=False)
        for a in anchors:  # most of the cell follows its anchor accounts within two days of creation
            f = members[(members != a) & (rng.random(len(members)) < 0.85)]
            add(f, np.full(len(f), a), t_c + rng.integers(0, 2 * DAY, len(f)))
        pa, pb = np.meshgrid(members, members)
        m = (pa != pb) & (rng.random(pa.shape) < 0.12)
        add(pa[m], pb[m], t_c + rng.integers(0, 30 * DAY, int(m.sum())))
    cross = max(1, s_n // 40) if s_n else 0  # cells barely touch each other
    if cross:
        add(
            rng.choice(sellers, cross),
            rng.choice(sellers, cross),
            rng.integers(HORIZON - 20 * DAY, HORIZON, cross),
        )

    if cfg.camouflage != "none" and s_n:
        k = cfg.camouflage_per_seller
        a = np.repeat(sellers, k)
        p = None if cfg.camouflage == "random" else deg / deg.sum()
        add(a, rng.choice(n_base, size=len(a), p=p), rng.integers(HORIZON - 200 * DAY, HORIZON, len(a)))

    pool = np.flatnonzero((deg > 0) & (deg <= np.quantile(deg, 0.95)))
    n_fac = (max(2, s_n // 20) if cfg.facilitators < 0 else cfg.facilitators) if s_n else 0
    picked = rng.choice(pool, size=cfg.buyers + cfg.decoys + n_fac + (cfg.pulled or 2 * s_n), replace=False)
    buyers, decoys, facs, pulled = np.split(
        picked, [cfg.buyers, cfg.buyers + cfg.decoys, cfg.buyers + cfg.decoys + n_fac]
    )
    label[buyers], label[decoys], label[facs], label[pulled] = BUYER, DECOY, FACILITATOR, PULLED
    per_buyer = max(3, round(cfg.buyer_follow_share * s_n))
    msg_a, msg_b, int_a, int_b = [], [], [], []
    for b in buyers:
        targets = rng.choice(sellers, size=per_buyer + int(rng.integers(0, 3)), replace=False)
        add(np.full(len(targets), b), targets, rng.integers(HORIZON - 150 * DAY, HORIZON, len(targets)))
        back = targets[rng.random(len(targets)) < 0.2]
        add(back, np.full(len(back), b), rng.integers(HORIZON - 150 * DAY, HORIZON, len(back)))
        if rng.random() < 0.6:
            msg_a += [b] * 2
            msg_b += rng.choice(targets, 2).tolist()
        if rng.random() < 0.5:
            int_a += [b] * 3
            int_b += rng.choice(targets, 3).tolist()
    share_a: list[int] = []
    share_b: list[int] = []
    for f in facs:  # amplifiers: follow a large part of the network across cells and re-share it
        targets = rng.choice(sellers, size=max(5, round(cfg.facilitator_follow_share * s_n)), replace=False)
        add(np.full(len(targets), f), targets, rng.integers(HORIZON - 180 * DAY, HORIZON, len(targets)))
        shared = rng.choice(targets, size=max(3, len(targets) // 2), replace=False)
        share_a += [int(f)] * len(shared)
        share_b += shared.tolist()
    if not s_n:
        pulled = pulled[:0]
    followed = rng.choice(sellers, len(pulled)) if s_n else pulled
    add(pulled, followed, rng.integers(HORIZON - 100 * DAY, HORIZON, len(pulled)), from_rec=True)
    rec_viewers = np.concatenate([pulled, rng.choice(n_base, size=len(pulled))])
    rec_targets = np.concatenate([followed, rng.choice(sellers, size=len(pulled)) if s_n else pulled])
    bg = rng.choice(n_base, size=min(n_base, 50_000))
    rec = (
        np.concatenate([rec_viewers, bg]),
        np.concatenate([rec_targets, rng.choice(n_base, size=len(bg))]),
        rng.integers(1, 6, len(rec_viewers) + len(bg)).astype(np.float64),
    )
    for _ in range(s_n // 2):  # sellers like each other's posts inside their cell
        a = int(rng.choice(sellers))
        mates = sellers[cell[sellers] == cell[a]]
        int_a.append(a)
        int_b.append(int(rng.choice(mates)))

    int_a += share_a
    int_b += share_b
    attrs = _attributes(rng, n, label, created)
    signals = _signals(rng, n, label)
    ids = [f"acct-{i}" for i in range(n)]
    follow_src = np.concatenate(src)
    follow_dst = np.concatenate(dst)
    graph = AccountGraph.from_arrays(
        platform,
        ids,
        (follow_src, follow_dst),
        follow_times=np.concatenate(times),
        follow_from_rec=np.concatenate(rec_f),
        interactions=(np.array(int_a, dtype=np.int64), np.array(int_b, dtype=np.int64), np.ones(len(int_a))),
        shares=(np.array(share_a, dtype=np.int64), np.array(share_b, dtype=np.int64), np.ones(len(share_a))),
        messages=(np.array(msg_a, dtype=np.int64), np.array(msg_b, dtype=np.int64), np.ones(len(msg_a))),
        recommendations=rec,
        attrs=attrs,
        signals=signals,
    )
    seeds = [ids[i] for i in rng.choice(sellers, size=min(cfg.seeds, s_n), replace=False)]
    return Planted(graph, label, cell, seeds, n_base)


def _attributes(
    rng: np.random.Generator, n: int, label: npt.NDArray[np.int8], created: npt.NDArray[np.float64]
) -> NodeAttributes:
    a = NodeAttributes.empty(n)
    a.age_band[:] = np.where(rng.random(n) < 0.15, AGE_MINOR, AGE_ADULT)
    a.account_age_days[:] = rng.uniform(90, 3000, n)
    a.post_count[:] = rng.geometric(0.02, n)
    a.stories_ratio[:] = np.where(rng.random(n) < 0.05, rng.uniform(0.8, 1.0, n), rng.uniform(0, 0.5, n))
    s = label == SELLER
    a.age_band[s] = AGE_ADULT
    a.account_age_days[s] = (HORIZON - created[s]) / DAY + rng.uniform(0, 10, int(s.sum()))
    story = s & (rng.random(n) < 0.7)
    a.stories_ratio[story] = rng.uniform(0.85, 1.0, int(story.sum()))
    a.post_count[story] = rng.integers(1, 15, int(story.sum()))
    fac = label == FACILITATOR
    a.post_count[fac] = rng.integers(0, 4, int(fac.sum()))  # few posts of their own
    return a


def _signals(
    rng: np.random.Generator, n: int, label: npt.NDArray[np.int8]
) -> dict[str, npt.NDArray[np.float64]]:
    def draw(
        mask: npt.NDArray[np.bool_], p: float, lo: float, hi: float, out: npt.NDArray[np.float64]
    ) -> None:
        hit = mask & (rng.random(n) < p)
        out[hit] = np.maximum(out[hit], rng.uniform(lo, hi, int(hit.sum())))

    sig = {k: np.zeros(n) for k in (TERM_MATCH, SHARED_LINK, HASH_MATCH, REPORT, BLOCKED_SEARCH)}
    s, b, d, f = label == SELLER, label == BUYER, label == DECOY, label == FACILITATOR
    o = (label == ORDINARY) | (label == PULLED)
    draw(s, 0.6, 0.4, 1.0, sig[TERM_MATCH])
    draw(s, 0.4, 0.4, 0.9, sig[SHARED_LINK])
    draw(s, 0.1, 0.8, 1.0, sig[HASH_MATCH])
    draw(s, 0.15, 0.3, 0.8, sig[REPORT])
    draw(b, 0.5, 0.3, 0.9, sig[BLOCKED_SEARCH])
    draw(b, 0.1, 0.1, 0.3, sig[TERM_MATCH])
    draw(f, 0.6, 0.5, 0.9, sig[SHARED_LINK])  # link-in-bio hubs pointing at sellers
    draw(f, 0.15, 0.3, 0.8, sig[REPORT])
    draw(d, 1.0, 0.25, 0.5, sig[TERM_MATCH])  # one code word used innocently
    draw(o, 0.02, 0.05, 0.3, sig[TERM_MATCH])
    draw(o, 0.005, 0.2, 0.5, sig[REPORT])
    draw(o, 0.003, 0.2, 0.5, sig[BLOCKED_SEARCH])
    draw(o, 0.01, 0.1, 0.4, sig[SHARED_LINK])
    return sig
