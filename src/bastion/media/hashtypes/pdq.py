"""PDQ: 256-bit perceptual image hash; near values match, searched with the media index (:mod:`..index`)."""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threatexchange.signal_type.pdq.signal import PdqSignal

from bastion.core.errors import InputError
from bastion.core.hashtype import HashIndex, Hit
from bastion.media.hashtypes.base import ThreatExchangeHashType
from bastion.media.index import DEFAULT_RADIUS, PDQIndex


class PdqHashIndex(HashIndex):
    """The exact multi-index over PDQ hashes, with the item id of every row beside it."""

    def __init__(self, index: PDQIndex | None = None, items: array[int] | None = None) -> None:
        self.index = index if index is not None else PDQIndex()
        self._items: array[int] = items if items is not None else array("q")
        if len(self._items) != self.index.rows:
            raise InputError("the item ids do not match the index rows")

    def __len__(self) -> int:
        return len(self.index)

    def add(self, value: str, item: int) -> None:
        self.index.add([value])
        self._items.append(item)

    def remove(self, value: str, item: int) -> None:
        rows = self.index.search([value], 0).row.tolist()
        self.index.remove(r for r in rows if self._items[r] == item)

    def has(self, value: str, item: int) -> bool:
        return any(self._items[r] == item for r in self.index.search([value], 0).row.tolist())

    def query(self, value: str, threshold: int) -> list[Hit]:
        return self.query_many([value], threshold)[0]

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[Hit]]:
        """One batched search for all values: how a scan or an evasion run gets the index's speed."""
        out: list[list[Hit]] = [[] for _ in values]
        if not values or not len(self.index):
            return out
        hits = self.index.search(list(values), threshold)
        items = np.frombuffer(self._items, dtype=np.int64)[hits.row]
        for q, item, dist in zip(hits.query.tolist(), items.tolist(), hits.distance.tolist(), strict=True):
            out[q].append((int(item), int(dist)))
        return out

    def optimize(self) -> None:
        self.index.optimize()

    def save(self, directory: str | os.PathLike[str], name: str = "pdq") -> None:
        """The index in ``<directory>/<name>`` and its item ids in ``<name>_entries.npy`` beside it (the
        caller swaps the directory in atomically)."""
        self.index.save(Path(directory) / name)
        items = np.frombuffer(self._items, dtype=np.int64) if len(self._items) else np.zeros(0, np.int64)
        np.save(Path(directory) / f"{name}_entries.npy", items, allow_pickle=False)

    @classmethod
    def load(cls, directory: str | os.PathLike[str], name: str = "pdq") -> PdqHashIndex:
        """Reload what :meth:`save` wrote, memory-mapped, without a rebuild."""
        index = PDQIndex.load(Path(directory) / name)
        items = array("q", np.load(Path(directory) / f"{name}_entries.npy", allow_pickle=False).tobytes())
        return cls(index, items)


class PDQ(ThreatExchangeHashType):
    signal = PdqSignal
    name = PdqSignal.get_name()  # "pdq"
    quality_key = "pdq_quality"
    cybertip_label = "PDQ"
    perceptual = True
    default_threshold = DEFAULT_RADIUS  # 31 bits of 256: the PDQ reference's match threshold
    examples = (*PdqSignal.get_examples()[:3], "F" * 64, "  " + "0" * 64 + "\n")
    bad_examples = ("", "f" * 63, "f" * 65, "g" * 64, "not a hash")

    def distance(self, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    def new_index(self) -> PdqHashIndex:
        return PdqHashIndex()
