"""Leiden through igraph: groups follow the ties, and the same seed gives the same groups in any thread."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bastion.graph.leiden import leiden_cpm


def _two_cliques_and_a_bridge() -> tuple[np.ndarray, np.ndarray]:
    pairs = [(a, b) for base in (0, 5) for a in range(base, base + 5) for b in range(a + 1, base + 5)]
    pairs.append((4, 5))
    rows, cols = zip(*pairs, strict=True)
    return np.array(rows), np.array(cols)


def test_two_cliques_tied_once_stay_two_groups_and_a_heavy_tie_joins_them() -> None:
    rows, cols = _two_cliques_and_a_bridge()
    groups = sorted(g.tolist() for g in leiden_cpm(10, rows, cols, 0.15, seed=7))
    assert groups == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert leiden_cpm(10, rows, cols, 0.15, seed=7, min_size=6) == []  # groups of at least 6: none
    heavy = np.where((rows == 4) & (cols == 5), 40.0, 1.0)
    assert len(leiden_cpm(10, rows, cols, 0.15, seed=7, weights=heavy)) == 1


def test_the_same_seed_gives_the_same_groups_in_parallel_threads() -> None:
    rng = np.random.default_rng(3)
    rows, cols = rng.integers(0, 300, 3000), rng.integers(0, 300, 3000)
    keep = rows < cols
    rows, cols = rows[keep], cols[keep]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: leiden_cpm(300, rows, cols, 0.02, seed=11), range(8)))
    lists = [[g.tolist() for g in r] for r in runs]
    assert all(r == lists[0] for r in lists) and len(lists[0]) > 1
