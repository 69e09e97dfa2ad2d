"""Node indices of account ids, and rows keyed by a (source, target) pair of them as sorted numpy columns.

Why not a dict: the kept copy of a platform (``graph/tables_state.py``) holds every follow, and a Python
dict costs about 100 bytes a row where these columns cost 8 bytes a key and a few a value. An upsert finds
its rows by binary search and inserts new ones in order, so the columns stay sorted by key, which also makes
the arrays handed to the detectors independent of the order the rows arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

_SHIFT = np.int64(32)
_LOW = np.int64(0xFFFFFFFF)


class NodeIds:
    """Account id -> internal index, in order of first appearance (never reused, never removed)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, account_id: str) -> int:
        i = self.index.get(account_id)
        if i is None:
            i = self.index[account_id] = len(self.ids)
            self.ids.append(account_id)
        return i

    def many(self, values: Iterable[str]) -> np.ndarray:
        return np.fromiter((self(v) for v in values), dtype=np.int64)


class KeyedPairs:
    """Value columns (name -> dtype) for unique (src, dst) pairs of indices below 2**31."""

    def __init__(self, columns: Mapping[str, npt.DTypeLike]) -> None:
        self.key: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.columns: dict[str, np.ndarray] = {c: np.zeros(0, dtype=t) for c, t in columns.items()}

    def __len__(self) -> int:
        return len(self.key)

    @property
    def src(self) -> npt.NDArray[np.int64]:
        return self.key >> _SHIFT

    @property
    def dst(self) -> npt.NDArray[np.int64]:
        return self.key & _LOW

    def upsert(self, src: np.ndarray, dst: np.ndarray, values: Mapping[str, np.ndarray]) -> None:
        """Set the values of these pairs (the last one wins where a pair repeats), adding the new pairs."""
        if len(src) == 0:
            return
        key = (np.asarray(src, dtype=np.int64) << _SHIFT) | np.asarray(dst, dtype=np.int64)
        # np.unique keeps the first occurrence: read backwards so the last row of a repeated pair wins
        unique = np.unique(key[::-1], return_index=True)
        key, take = unique[0], len(src) - 1 - unique[1]
        vals = {c: np.asarray(values[c])[take] for c in self.columns}
        pos: npt.NDArray[np.intp] = np.asarray(np.searchsorted(self.key, key))
        hit: npt.NDArray[np.bool_] = pos < len(self.key)
        hit[hit] = self.key[pos[hit]] == key[hit]
        for c, col in self.columns.items():
            col[pos[hit]] = vals[c][hit]
        new = ~hit
        if new.any():
            at = pos[new]
            self.key = np.insert(self.key, at, key[new])
            for c in self.columns:
                self.columns[c] = np.insert(self.columns[c], at, vals[c][new])

    def values(self, column: str) -> np.ndarray:
        return self.columns[column]


__all__ = ["KeyedPairs", "NodeIds"]
