"""Planting the networks themselves: seller cells, buyers, facilitators, camouflage and the users sellers
reach out to (see plant.py).

Networks never touch each other: cells, cross-cell ties, buyers' and facilitators' follows stay inside one
network, and base accounts of one network are chosen among those with no substrate tie to another network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bastion.graph.container import IntArray
from bastion.graph.plant_events import BUYER, DAY, FACILITATOR, ORDINARY, TARGET, Follows, one_network_each

if TYPE_CHECKING:
    from bastion.graph.plant import PlantConfig

Pairs = list[tuple[int, int]]

#: Share of a cell's follows that sellers who deal by messages still make (``PlantConfig.deal_by_messages``).
MESSAGE_DEALERS_FOLLOW = 0.1


def cells(
    rng: np.random.Generator,
    cfg: PlantConfig,
    sellers: IntArray,
    cell: IntArray,
    network: IntArray,
    created: IntArray,
    fol: Follows,
    domain: IntArray,
    inter: Pairs,
) -> None:
    """Cells created over a few weeks, following their anchor accounts and each other at any later time."""
    horizon = fol.horizon
    spread = int(cfg.creation_spread_days * DAY * (1.0 - cfg.burst))
    for c in range(cfg.cells):
        members = sellers[cell[sellers] == c]
        if not len(members):
            continue
        t_c = horizon - int(rng.integers(20, 200)) * DAY  # may precede the export window (negative)
        start = t_c + (rng.integers(0, spread, len(members)) if spread > 0 else 0)
        created[members] = np.minimum(start, horizon - DAY)
        linked = members[rng.random(len(members)) < cfg.seller_link_share]
        domain[linked] = c  # one link-in-bio domain per cell
        if len(members) < 2:
            continue
        anchors = rng.choice(members, size=min(3, len(members)), replace=False)
        fewer = MESSAGE_DEALERS_FOLLOW if cfg.deal_by_messages else 1.0
        for a in anchors:  # most of the cell follows its anchor accounts
            f = members[(members != a) & (rng.random(len(members)) < 0.85 * fewer)]
            _cell_follows(rng, cfg, fol, f, np.full(len(f), a), created, t_c)
        pa, pb = np.meshgrid(members, members)
        m = (pa != pb) & (rng.random(pa.shape) < 0.12 * fewer)
        _cell_follows(rng, cfg, fol, pa[m], pb[m], created, t_c)
    s_n = len(sellers)
    for _ in range(max(1, s_n // 40)):  # cells barely touch each other, and only inside one network
        a = int(rng.choice(sellers))
        other = sellers[(network[sellers] == network[a]) & (cell[sellers] != cell[a])]
        if len(other):
            fol.after(np.array([a]), rng.choice(other, 1), created)
    for _ in range(s_n // 2):  # sellers like each other's posts inside their cell
        a = int(rng.choice(sellers))
        inter.append((a, int(rng.choice(sellers[cell[sellers] == cell[a]]))))


def _cell_follows(
    rng: np.random.Generator,
    cfg: PlantConfig,
    fol: Follows,
    a: IntArray,
    b: IntArray,
    created: IntArray,
    t_c: int,
) -> None:
    """Spread evenly after both accounts exist; a ``burst`` share lands within two days of the cell start."""
    tight = rng.random(len(a)) < cfg.burst
    fol.after(a[~tight], b[~tight], created)
    if tight.any():
        lo = np.maximum(np.maximum(created[a[tight]], created[b[tight]]), max(t_c, 0))
        fol.add(a[tight], b[tight], lo + rng.integers(0, 2 * DAY, int(tight.sum())))


def members(
    rng: np.random.Generator,
    cfg: PlantConfig,
    adj: sp.csr_matrix,
    deg: npt.NDArray[np.float64],
    free: npt.NDArray[np.bool_],
    k_net: int,
    label: npt.NDArray[np.int8],
    network: IntArray,
) -> None:
    """Buyers and facilitators (existing users) per network, none tied in the substrate to another network."""
    s_n = int((network >= 0).sum())
    n_fac = max(2, s_n // 20) if cfg.facilitators < 0 else cfg.facilitators
    active = deg[deg > 0]
    cap = np.quantile(active, 0.95) if len(active) else 0.0
    blocked = np.zeros(len(free), dtype=bool)
    buyer_n = [len(x) for x in np.array_split(np.arange(cfg.buyers), k_net)]
    fac_n = [len(x) for x in np.array_split(np.arange(n_fac), k_net)]
    for k in range(k_net):
        pool = np.flatnonzero(free & ~blocked & (deg <= cap))
        take = min(len(pool), buyer_n[k] + fac_n[k])
        got = rng.choice(pool, size=take, replace=False)
        label[got[: buyer_n[k]]] = BUYER
        label[got[buyer_n[k] :]] = FACILITATOR
        network[got] = k
        free[got] = False
        blocked[got] = True
        if len(got):
            blocked[adj[got].indices] = True


def network_buyers(
    rng: np.random.Generator,
    cfg: PlantConfig,
    sellers: IntArray,
    network: IntArray,
    label: npt.NDArray[np.int8],
    created: IntArray,
    fol: Follows,
    inter: Pairs,
    msg: Pairs,
) -> None:
    """Buyers follow a few percent of their own network's sellers; some message or interact with them."""
    per_buyer = max(3, round(cfg.buyer_follow_share * len(sellers)))
    for b in np.flatnonzero(label == BUYER):
        own = sellers[network[sellers] == network[b]]
        k = min(len(own), per_buyer + int(rng.integers(0, 3)))
        targets = rng.choice(own, size=k, replace=False)
        t = fol.after(np.full(k, b), targets, created)
        back = rng.random(k) < 0.2  # sellers that follow the buyer back, after it followed them
        fol.since(targets[back], np.full(int(back.sum()), b), t[back])
        if rng.random() < 0.6:
            msg += [(int(b), int(t)) for t in rng.choice(targets, 2)]
        if rng.random() < 0.5:
            inter += [(int(b), int(t)) for t in rng.choice(targets, 3)]


def facilitators(
    rng: np.random.Generator,
    cfg: PlantConfig,
    sellers: IntArray,
    network: IntArray,
    cell: IntArray,
    label: npt.NDArray[np.int8],
    created: IntArray,
    fol: Follows,
    share: Pairs,
    domain: IntArray,
) -> None:
    """Amplifiers: follow a large part of their network across cells, re-share it, link to its domains."""
    for f in np.flatnonzero(label == FACILITATOR):
        own = sellers[network[sellers] == network[f]]
        k = min(len(own), max(5, round(cfg.facilitator_follow_share * len(own))))
        targets = rng.choice(own, size=k, replace=False)
        fol.after(np.full(k, f), targets, created)
        shared = rng.choice(targets, size=max(1, min(k, max(3, k // 2))), replace=False)
        share += [(int(f), int(t)) for t in shared]
        if rng.random() < 0.6:
            domain[f] = cell[int(rng.choice(targets))]


def camouflage(
    rng: np.random.Generator,
    cfg: PlantConfig,
    sellers: IntArray,
    deg: npt.NDArray[np.float64],
    free: npt.NDArray[np.bool_],
    created: IntArray,
    fol: Follows,
) -> None:
    """Sellers follow random or (default) popular ordinary accounts, never another network's members."""
    if cfg.camouflage == "none" or not len(sellers):
        return
    allowed = np.flatnonzero(free)
    w = deg[allowed]
    p = None if cfg.camouflage == "random" or w.sum() == 0 else w / w.sum()
    a = np.repeat(sellers, cfg.camouflage_per_seller)
    fol.after(a, rng.choice(allowed, size=len(a), p=p), created)


def reached_out(
    cfg: PlantConfig,
    label: npt.NDArray[np.int8],
    network: IntArray,
    created: IntArray,
    fol: Follows,
    msg: Pairs,
    replies: Pairs,
) -> None:
    """Ordinary users a network's sellers reach out to (advertising to them, grooming them): ``cfg.targets``
    of them, each followed by ``target_followers`` sellers of one network, written to by two of them, and
    following ``target_follows_back`` of them back, each after it was followed, and answering
    ``target_replies`` of the two that wrote to it; each also follows ``target_friends`` other targets of
    its network, who follow it back. Drawn from their own streams (``cfg.seed``, 4 and 7) after everything
    else, so the rest of the world is the same with or without them."""
    rng = np.random.default_rng([cfg.seed, 4])
    of: dict[int, list[int]] = {}
    for t, theirs in one_network_each(rng, label, network, cfg.targets):
        of.setdefault(int(network[theirs[0]]), []).append(t)
        by = rng.choice(theirs, size=min(cfg.target_followers, len(theirs)), replace=False)
        when = fol.after(by, np.full(len(by), t), created, rng=rng)
        back = min(cfg.target_follows_back, len(by))  # it follows some of them back, after they followed
        fol.since(np.full(back, t), by[:back], when[:back], rng=rng)
        msg += [(int(s), t) for s in by[:2]]
        replies += [(t, int(s)) for s in by[: min(2, cfg.target_replies)]]
        label[t] = TARGET
    if cfg.target_friends > 0:
        _targets_know_each_other(cfg.target_friends, of, created, fol, np.random.default_rng([cfg.seed, 7]))


def _targets_know_each_other(
    k: int, of: dict[int, list[int]], created: IntArray, fol: Follows, rng: np.random.Generator
) -> None:
    """Each target (``of``: per network, its targets) follows ``k`` others of its network first; they
    follow it back."""
    for targets in of.values():
        for t in targets:
            others = [u for u in targets if u != t]
            if not others:
                continue
            chosen = rng.choice(others, size=min(k, len(others)), replace=False)
            when = fol.after(np.full(len(chosen), t), chosen, created, rng=rng)
            fol.since(chosen, np.full(len(chosen), t), when, rng=rng)


def dealt_by_messages(
    cfg: PlantConfig,
    sellers: IntArray,
    cell: IntArray,
    label: npt.NDArray[np.int8],
    network: IntArray,
    fol: Follows,
    msg: Pairs,
    replies: Pairs,
) -> None:
    """A network that deals by messages (``PlantConfig.deal_by_messages``): each seller writes first to two
    cell-mates, who answer; each buyer writes first to every seller of its network it follows and to two
    more, who answer. From its own stream (``cfg.seed``, 8), after everything else."""
    rng = np.random.default_rng([cfg.seed, 8])
    for s in sellers:
        mates = sellers[(cell[sellers] == cell[s]) & (sellers != s)]
        for m in rng.choice(mates, size=min(2, len(mates)), replace=False) if len(mates) else ():
            msg.append((int(s), int(m)))
            replies.append((int(m), int(s)))
    src, dst, _, _ = fol.arrays()
    by_buyer = label[src] == BUYER  # the buyers' follows, read once rather than every follow per buyer
    src, dst = src[by_buyer], dst[by_buyer]
    for b in np.flatnonzero(label == BUYER):
        own = sellers[network[sellers] == network[b]]
        followed = np.intersect1d(dst[src == b], own)
        more = rng.choice(own, size=min(2, len(own)), replace=False)
        for s in np.union1d(followed, more):
            msg.append((int(b), int(s)))
            replies.append((int(s), int(b)))


def old_friends(
    cfg: PlantConfig, sellers: IntArray, label: npt.NDArray[np.int8], created: IntArray, fol: Follows
) -> None:
    """``cfg.seller_friends`` mutual friendships per seller with ordinary accounts drawn uniformly (an old
    account keeps its friends), each followed back within two days. From its own stream (``cfg.seed``, 9)."""
    rng = np.random.default_rng([cfg.seed, 9])
    pool = np.flatnonzero(label == ORDINARY)
    if not len(pool):
        return
    each = min(cfg.seller_friends, len(pool))
    a = np.repeat(sellers, each)
    b = np.concatenate([rng.choice(pool, size=each, replace=False) for _ in sellers])
    swap = rng.random(len(a)) < 0.5  # either one followed first
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    when = fol.after(first, second, created, rng=rng)
    fol.add(second, first, np.minimum(when + rng.integers(0, 2 * DAY, len(when)), fol.horizon - 1))
