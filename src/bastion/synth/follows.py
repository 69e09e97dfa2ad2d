"""The follow graph, drawn in bulk: interest communities, popular hubs, and the planted networks' edges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bastion.synth.generator import _Builder

PROFILE, SEARCH, RECOMMENDATION, UNKNOWN = 0, 1, 2, 3
COMMUNITY = 120


def popularity(n: int, rng: np.random.Generator) -> np.ndarray:
    """Zipf-like weights over a random ranking: a few accounts everyone follows."""
    ranks = rng.permutation(n)
    weights = 1.0 / np.power(ranks + 1.0, 1.1)
    out: np.ndarray = weights / weights.sum()
    return out


def draw_follows(b: _Builder, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, cfg = b.n, b.cfg
    pop = popularity(n, rng)
    b.popularity = pop
    community = rng.permutation(n) // COMMUNITY
    order = np.argsort(community, kind="stable")
    degree = rng.poisson(cfg.mean_follows, n)
    src = np.repeat(np.arange(n), degree)
    mix = rng.random(len(src))
    dst = np.empty(len(src), np.int64)
    local = mix < 0.7
    base = community[src[local]] * COMMUNITY
    dst[local] = order[np.minimum(base + rng.integers(0, COMMUNITY, local.sum()), n - 1)]
    hub = (mix >= 0.7) & (mix < 0.9)
    dst[hub] = rng.choice(n, size=hub.sum(), p=pop)
    rand = mix >= 0.9
    dst[rand] = rng.integers(0, n, rand.sum())
    kind = np.where(rng.random(len(src)) < 0.15, RECOMMENDATION, PROFILE).astype(np.int8)
    parts = [(src, dst, kind), _planted(b, rng, pop)]
    s = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts])
    k = np.concatenate([p[2] for p in parts])
    keep = s != d
    s, d, k = s[keep], d[keep], k[keep]
    _, first = np.unique(s * n + d, return_index=True)
    return s[first], d[first], k[first]


def _planted(
    b: _Builder, rng: np.random.Generator, pop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cfg, n = b.cfg, b.n
    edges: list[tuple[int, int, int]] = []
    cells: dict[int, list[int]] = {}
    for s in b.sellers:
        cells.setdefault(b.cell[s][1], []).append(s)
    for members in cells.values():
        for u in members:
            for v in members:
                if u != v and rng.random() < 0.45:
                    edges.append((u, v, PROFILE))
    sellers = np.array(b.sellers)
    for u in b.sellers:
        if rng.random() < 0.1:  # cells barely touch
            edges.append((u, int(rng.choice(sellers)), PROFILE))
        if cfg.camouflage != "none":
            p = pop if cfg.camouflage == "popular" else None
            for v in rng.choice(n, size=cfg.camouflage_edges, p=p):
                edges.append((u, int(v), PROFILE))
    by_network: dict[int, list[int]] = {}
    for s in b.sellers:
        by_network.setdefault(b.cell[s][0], []).append(s)
    for u in b.buyers:
        pool = by_network[b.cell[u][0]]
        k = min(len(pool), max(3, int(0.05 * len(pool)) + int(rng.integers(0, 3))))
        for v in rng.choice(pool, size=k, replace=False):
            edges.append((u, int(v), int(rng.choice([SEARCH, RECOMMENDATION, PROFILE], p=[0.3, 0.5, 0.2]))))
            if rng.random() < 0.1:
                edges.append((int(v), u, PROFILE))
    for u in b.facilitators:
        pool = by_network[b.cell[u][0]]
        k = max(2, min(int(0.3 * len(pool)), 60))
        for v in rng.choice(pool, size=min(k, len(pool)), replace=False):
            edges.append((u, int(v), PROFILE))
            if rng.random() < 0.5:
                edges.append((int(v), u, PROFILE))
    pulled = rng.choice(n, size=max(2, len(b.sellers) // 2), replace=False)
    for u in pulled:  # ordinary users the recommender pulled in: one seller each, nothing else
        if int(u) not in b.roles:
            edges.append((int(u), int(rng.choice(sellers)), RECOMMENDATION))
    if not edges:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0, np.int8)
    arr = np.array(edges, dtype=np.int64)
    return arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int8)
