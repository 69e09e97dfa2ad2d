"""The real graphs under ../shared/data/graphs and one reader for their edge lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np

Graph = tuple[np.ndarray, np.ndarray, int]

#: Graph name -> its edge list, relative to the data folder.
GRAPH_FILES = {
    "email-eu-core": "email-eu-core/email-Eu-core.txt",
    "ego-facebook": "ego-facebook/facebook_combined.txt",
    "github-musae": "github-musae/musae_git_edges.csv",
}


def load_edges(path: Path, compact: bool = False) -> Graph:
    """Undirected pairs (no self-loops, no duplicates) and the node count of a whitespace/comma edge list.

    ``compact``: number the nodes that have an edge 0..n-1 (many of SNAP's lists skip ids: CA-GrQc's run to
    26,196 for 5,242 authors, and a network sized for 26k accounts planted into 5k is not that network)."""
    rows = [ln.replace(",", " ").split() for ln in path.read_text().splitlines()]
    pairs = np.array([(int(r[0]), int(r[1])) for r in rows if len(r) >= 2 and r[0].isdigit()], dtype=np.int64)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if compact:
        _, pairs = np.unique(pairs, return_inverse=True)
        pairs = pairs.reshape(-1, 2)
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1], int(pairs.max()) + 1
