"""Small synthetic substrates (no shared data needed): a block-model "platform" with dense legit groups."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph.plant import PlantConfig, Planted, plant


def block_model(
    n: int = 800, groups: int = 8, p_in: float = 0.12, p_out: float = 0.004, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected pairs of a stochastic block model: dense legitimate communities, like departments."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    a, b = np.triu_indices(n, 1)
    p = np.where(g[a] == g[b], p_in, p_out)
    keep = rng.random(len(a)) < p
    return a[keep], b[keep], g


def contacts_of(pairs: list[tuple[int, int]], n: int) -> sp.csr_matrix:
    """An n x n contact matrix with a 1 at each (chooser, chosen) pair."""
    return sp.csr_matrix((np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(n, n))


def heavy_tailed(n: int, pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A platform with popular accounts (Chung-Lu-like), where a cohort's friends are not all in one block."""
    rng = np.random.default_rng(seed)
    w = np.arange(1, n + 1) ** -0.8
    a, b = rng.choice(n, size=pairs, p=w / w.sum()), rng.integers(0, n, pairs)
    return a[a != b], b[a != b], n


def friend_circles(blocks: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A platform of dense friend circles (a block model: ties inside a circle at 0.15, between at
    0.0005), where a cohort grown in one circle has the rest of that circle for friends."""
    rng = np.random.default_rng(seed)
    n = blocks * size
    m_in = rng.binomial(size * (size - 1) // 2, 0.15, blocks)
    base = np.repeat(np.arange(blocks) * size, m_in)
    a = np.concatenate([base + rng.integers(0, size, len(base)), rng.integers(0, n, n)])
    b = np.concatenate([base + rng.integers(0, size, len(base)), rng.integers(0, n, n)])
    return a[a != b], b[a != b], n


BlockModel = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


@pytest.fixture(scope="session")
def make_block_model() -> BlockModel:
    return block_model


@pytest.fixture(scope="module")
def substrate() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return block_model()


@pytest.fixture(scope="module")
def planted(substrate: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Planted:
    src, dst, _ = substrate
    return plant(
        src,
        dst,
        800,
        PlantConfig.legacy(sellers=60, buyers=15, cells=4, camouflage="popular", decoys=40, seed=5),
    )
