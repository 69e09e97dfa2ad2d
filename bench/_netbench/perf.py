"""Time and memory of one call, measured the same way for the detector and its baseline.

Peak memory is reported twice: traced Python allocations (tracemalloc, which numpy reports to) and the
growth of the process's resident set (RSS), which also sees native memory that tracemalloc misses
(igraph, scipy's C++ kernels, allocator slack). RSS growth = peak RSS during the call - RSS before it;
the peak is sampled every few milliseconds and, when the call raises the process's all-time peak,
taken exactly from getrusage.
"""

from __future__ import annotations

import os
import resource
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bastion.graph.container import FOLLOW, AccountGraph
from bastion.graph.propagation import personalized_pagerank

_PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 2**20


@dataclass(slots=True)
class Cost:
    seconds: float
    rss_mib: float
    traced_mib: float = float("nan")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def timed(fn: Callable[[], Any]) -> tuple[Any, Cost]:
    """Wall time and RSS growth of one call (no tracing, so the time is not distorted)."""
    before = _rss()
    max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss())

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    done.set()
    th.join()
    max_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    top = max(peak[0], _rss(), max_after if max_after > max_before else 0)
    return out, Cost(dt, (top - before) / MIB)


def paired(fn: Callable[[], Any], base: Callable[[], Any], rounds: int = 3) -> tuple[list[Any], Cost, Cost]:
    """Both calls ``rounds`` times, interleaved, so a slow spell of a shared machine falls on both: every
    output of ``fn``, then each one's median wall time and largest RSS growth (one cold call alone put the
    same code anywhere between 2.8x and 4.7x its baseline)."""
    outs, costs, bases = [], [], []
    for _ in range(rounds):
        out, cost = timed(fn)
        outs.append(out)
        costs.append(cost)
        bases.append(timed(base)[1])
    return outs, _median(costs), _median(bases)


def _median(costs: list[Cost]) -> Cost:
    return Cost(float(np.median([c.seconds for c in costs])), max(c.rss_mib for c in costs))


def traced(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Peak traced allocations (MiB) of one call, in a run of its own."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()
    return out, peak


def chung_lu(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Synthetic heavy-tailed graph of about m undirected pairs (the synthetic platform and the scale run)."""
    rng = np.random.default_rng(seed)
    w = (np.arange(1, n + 1) ** -0.8).astype(np.float64)
    w /= w.sum()
    a = rng.choice(n, size=m, p=w)
    b = rng.integers(0, n, m)
    keep = a != b
    return a[keep], b[keep], n


def baseline_ppr(graph: AccountGraph, seeds: list[str]) -> np.ndarray:
    """Personalised PageRank alone on the symmetrised follow graph, uniform restart on seeds (or none)."""
    f = graph.layer(FOLLOW)
    adj = ((f + f.T) > 0).astype(np.float64).tocsr()
    r = np.zeros(graph.n)
    idx = graph.indices(seeds)
    if len(idx):
        r[idx] = 1.0
    else:
        r[:] = 1.0
    return personalized_pagerank(adj, r)


def with_hubs(
    src: np.ndarray, dst: np.ndarray, n: int, hubs: int, degree: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, int]:
    """``hubs`` extra accounts each tied to ``degree`` distinct random accounts (a celebrity, a bulk
    follower: the planted world makes every tie a mutual follow, so each hub has that in- and out-degree)."""
    rng = np.random.default_rng(seed)
    extra_src = [np.full(degree, n + h, dtype=np.int64) for h in range(hubs)]
    extra_dst = [rng.choice(n, size=degree, replace=False) for _ in range(hubs)]
    return np.concatenate([src, *extra_src]), np.concatenate([dst, *extra_dst]), n + hubs
