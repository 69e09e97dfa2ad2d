"""Leiden (CPM) by igraph's own implementation, its random numbers drawn from the run's seed alone.

igraph's C Leiden is tens of times faster than leidenalg here (2 ms against 30 ms on 500 flagged accounts,
40 ms against seconds on thousands of cell candidates). igraph draws from one process-wide generator, so
runs in parallel threads take turns to seed it: the same input and seed give the same groups (issue 12).
"""

from __future__ import annotations

import gc
import random
import threading

import igraph as ig
import numpy as np

from bastion.graph.container import FloatArray, IntArray

_RNG_LOCK = threading.Lock()


def leiden_cpm(
    n: int,
    rows: IntArray,
    cols: IntArray,
    resolution: float,
    seed: int,
    weights: FloatArray | None = None,
    n_iterations: int = 2,
    min_size: int = 1,
) -> list[IntArray]:
    """Groups of at least ``min_size`` of the ``n`` nodes of the undirected graph of ties (rows[k],
    cols[k]), each node listed once, in ascending order, the groups in igraph's order."""
    gc.disable()  # tens of thousands of small tuples would set off a full collection of the whole heap
    try:
        g = ig.Graph(n=n, edges=list(zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(), strict=True)))
    finally:
        gc.enable()
    if weights is not None:
        g.es["weight"] = np.asarray(weights, dtype=np.float64).tolist()
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            parts = g.community_leiden(
                objective_function="CPM",
                weights="weight" if weights is not None else None,
                resolution=resolution,
                n_iterations=n_iterations,
            )
        finally:
            ig.set_random_number_generator(random)
    # from the membership vector (igraph's own lists are built one Python int at a time), and only the
    # groups kept: most are single nodes
    membership = np.asarray(parts.membership, dtype=np.int64)
    order = np.argsort(membership, kind="stable")
    sizes = np.bincount(membership, minlength=1)
    ends = np.cumsum(sizes)
    return [order[ends[c] - sizes[c] : ends[c]] for c in np.flatnonzero(sizes >= min_size).tolist()]
