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


def load_edges(path: Path) -> Graph:
    """Undirected pairs (no self-loops, no duplicates) and the node count of a whitespace/comma edge list."""
    rows = [ln.replace(",", " ").split() for ln in path.read_text().splitlines()]
    pairs = np.array([(int(r[0]), int(r[1])) for r in rows if len(r) >= 2 and r[0].isdigit()], dtype=np.int64)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1], int(pairs.max()) + 1
