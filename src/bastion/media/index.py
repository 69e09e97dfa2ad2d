"""Exact radius search over 256-bit PDQ hashes: multi-index hashing over eight compact tables, with an
append-only log of segments.

Why this shape: HMA rebuilds its faiss index whenever a list changes; here a new hash lands in a small,
flat-scanned tail at once (matchable in microseconds), tails are frozen into segments with their own tables,
and small segments merge geometrically, so no add ever costs a full rebuild (merges past ``merge_limit`` rows
are left to :meth:`PDQIndex.optimize`, which a caller runs off the request path). Removal is a tombstone, so
row numbers (and the history kept by the banks) never move. Hashes live in fixed-size blocks, so growing
never copies what is already stored, and a reloaded index keeps its full blocks memory-mapped.

Exactness (``mih_layout``): a row is found by every table whose key is within that table's radius; the
radii come from the pigeonhole over eight disjoint keys, so every true neighbour is a candidate, and
candidates are verified on the full 256 bits.

Memory: eight tables of 29-bit entries (row id plus residual key) and a directory of ~10 bits a bucket of
4-8 rows come to ~0.9x the raw hash bytes, so the whole index stays under 2x (measured 1.95x at 1M and
1.98x at 10M; sixteen 16-bit tables of 4-byte ids, the usual multi-index layout, cost 3x). The price is
more buckets to visit per query, which compiled loops (:mod:`bastion.media.mih_kernels`) make cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from bastion.core.errors import InputError
from bastion.media import mih_kernels as kernels
from bastion.media.atomic import atomic_directory
from bastion.media.mih_layout import TABLES, key_layout, probe_plan, probe_reads
from bastion.media.pdq_words import I64, U64, WORDS, hex_to_words, words_to_hex

DEFAULT_RADIUS = 31
FORMAT_VERSION = 3
BLOCK_BITS = 24  # 16M rows (512 MiB of address space, paged in as filled) per block; 3-byte ids fit a block
PROBE_COST = 12.0  # a random read (bucket, candidate) costs about this many rows of a flat scan


def _as32(words: U64) -> npt.NDArray[np.uint32]:
    return np.ascontiguousarray(words).view(np.uint32).reshape(-1, 2 * WORDS)


@dataclass
class _Segment:
    """Tables over rows [start, end), which lie in one block; ids in the tables are relative to start."""

    start: int
    end: int
    dbits: int
    rbits: int
    idbits: int
    base: npt.NDArray[np.uint32]  # (TABLES, buckets / 16 + 1)
    rel: npt.NDArray[np.uint8] | npt.NDArray[np.uint16] | npt.NDArray[np.uint32]  # (TABLES, buckets + 1)
    packed: npt.NDArray[np.uint64]  # (TABLES, words): entries of idbits + rbits bits

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def nbytes(self) -> int:
        return int(self.base.nbytes + self.rel.nbytes + self.packed.nbytes)

    @classmethod
    def build(cls, words: U64, start: int) -> _Segment:
        dbits, rbits, idbits = key_layout(words.shape[0])
        base, rel, packed, widest = kernels.build_tables(_as32(words), TABLES, dbits, rbits, idbits)
        narrow = np.uint8 if widest <= 0xFF else np.uint16 if widest <= 0xFFFF else np.uint32
        rel = rel.astype(narrow)  # one byte a bucket unless 16 buckets hold over 255 rows (many copies)
        return cls(start, start + words.shape[0], dbits, rbits, idbits, base, rel, packed)

    def probe_reads(self, radius: int) -> float:
        return probe_reads(self.dbits, self.rbits, self.size, radius)


@dataclass(frozen=True, slots=True)
class Hits:
    """Result of a batch query: parallel arrays, one element per (query, row) pair within the radius."""

    query: I64
    row: I64
    distance: I64


class PDQIndex:
    """Exact Hamming-radius index over PDQ hashes; rows are stable integers assigned on ``add``."""

    def __init__(
        self,
        tail_limit: int = 65536,
        *,
        merge_limit: int = 1 << 20,
        block_bits: int = BLOCK_BITS,
        probe_cost: float = PROBE_COST,
    ) -> None:
        """``probe_cost``: what a random read costs in rows of flat scan; a segment is probed only when that
        is cheaper than scanning it (0 always probes, which tests use on tiny segments)."""
        if not 1 <= block_bits <= BLOCK_BITS:
            raise InputError(
                f"block_bits must be in 1..{BLOCK_BITS} (row ids in a table are at most 24 bits)"
            )
        self._block_bits = block_bits
        self._blocks: list[U64] = []
        self._alive = np.zeros(128, dtype=np.uint8)  # tombstones: one bit a row, set while live
        self._n = 0
        self._segments: list[_Segment] = []
        self._tail_limit = tail_limit
        self._merge_limit = merge_limit
        self._probe_cost = probe_cost

    # -- size and memory -------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Live (not removed) hashes."""
        return int(np.bitwise_count(self._alive).sum())

    @property
    def rows(self) -> int:
        return self._n

    @property
    def tail_limit(self) -> int:
        return self._tail_limit

    def alive_rows(self) -> I64:
        bits = np.unpackbits(self._alive, count=self._n, bitorder="little")
        out: I64 = np.nonzero(bits)[0].astype(np.int64)
        return out

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, tombstones, segment tables)."""
        return int(self._n * WORDS * 8 + (self._n + 7) // 8 + sum(s.nbytes for s in self._segments))

    # -- storage ---------------------------------------------------------------------------------------
    def _spans(self, start: int, end: int) -> list[tuple[int, U64]]:
        """Rows [start, end) as (first row, view) pieces, one per block they touch: never a copy."""
        bits, out = self._block_bits, []
        row = start
        while row < end:
            b = row >> bits
            stop = min(end, (b + 1) << bits)
            out.append((row, self._blocks[b][row - (b << bits) : stop - (b << bits)]))
            row = stop
        return out

    def _words(self, start: int, end: int) -> U64:
        """Rows [start, end) as one array (a view when they sit in one block)."""
        parts = [w for _, w in self._spans(start, end)]
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros((0, WORDS), dtype=np.uint64)

    def hash_at(self, row: int) -> str:
        return words_to_hex(self._words(row, row + 1))[0]

    # -- mutation --------------------------------------------------------------------------------------
    def add(self, hashes: U64 | Sequence[str]) -> I64:
        """Append hashes; they are matchable on return. Returns their row numbers."""
        words = hex_to_words(hashes) if not isinstance(hashes, np.ndarray) else hashes
        words = np.ascontiguousarray(words, dtype=np.uint64).reshape(-1, WORDS)
        k = words.shape[0]
        rows = np.arange(self._n, self._n + k, dtype=np.int64)
        size = 1 << self._block_bits
        done = 0
        while done < k:
            row = self._n + done
            b, off = row >> self._block_bits, row & (size - 1)
            if b == len(self._blocks):
                self._blocks.append(np.zeros((size, WORDS), dtype=np.uint64))  # calloc: paged in on use
            take = min(k - done, size - off)
            self._blocks[b][off : off + take] = words[done : done + take]
            done += take
        need = (self._n + k + 7) // 8
        if need > self._alive.size:
            alive = np.zeros(max(need, 2 * self._alive.size), dtype=np.uint8)
            alive[: self._alive.size] = self._alive
            self._alive = alive  # one bit a row: a cheap copy, unlike the hashes
        first, last = self._n >> 3, need
        bits = np.unpackbits(self._alive[first:last], bitorder="little")
        bits[self._n - (first << 3) : self._n + k - (first << 3)] = 1
        self._alive[first:last] = np.packbits(bits, bitorder="little")
        self._n += k
        if self._n - self._indexed_end() > self._tail_limit:
            self._freeze_tail()
        return rows

    def remove(self, rows: Iterable[int]) -> None:
        """Tombstone rows: they stop matching at once; the row numbers are never reused."""
        arr = np.fromiter(rows, dtype=np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= self._n):
            raise InputError(f"row out of range 0..{self._n - 1}")
        np.bitwise_and.at(self._alive, arr >> 3, ~np.left_shift(1, arr & 7).astype(np.uint8))

    def _indexed_end(self) -> int:
        return self._segments[-1].end if self._segments else 0

    def _freeze_tail(self) -> None:
        """Turn the tail into segments (one per block it touches), then merge while the last segment is at
        least half the one before, both sit in one block and the merge stays under ``merge_limit`` rows (so
        an add never pays for a big rebuild)."""
        for start, words in self._spans(self._indexed_end(), self._n):
            self._segments.append(_Segment.build(words, start))
        bits = self._block_bits
        while len(self._segments) >= 2:
            a, b = self._segments[-2], self._segments[-1]
            same_block = a.start >> bits == (b.end - 1) >> bits
            if a.size > 2 * b.size or a.size + b.size > self._merge_limit or not same_block:
                break
            self._segments[-2:] = [_Segment.build(self._words(a.start, b.end), a.start)]

    def optimize(self) -> None:
        """Fold everything into one segment per block (after a bulk load, or in the background now and
        then)."""
        self._segments = [_Segment.build(words, start) for start, words in self._spans(0, self._n)]

    # -- queries ---------------------------------------------------------------------------------------
    def search(self, queries: U64 | Sequence[str], radius: int = DEFAULT_RADIUS) -> Hits:
        """Every live row within ``radius`` of each query (exact), as parallel arrays sorted by query, row."""
        q = hex_to_words(queries) if not isinstance(queries, np.ndarray) else queries
        q = np.ascontiguousarray(q, dtype=np.uint64).reshape(-1, WORDS)
        if not 0 <= radius <= 256:
            raise InputError(f"radius must be in 0..256, got {radius}")
        parts: list[tuple[I64, I64, I64]] = []
        q32 = _as32(q)
        for seg in self._segments:
            words = self._words(seg.start, seg.end)
            if self._probe_cost * seg.probe_reads(radius) < seg.size:
                masks, ends, radii = probe_plan(seg.dbits, radius)
                qq, rr, dd, _ = kernels.probe(
                    q, q32, words, _as32(words), self._alive, seg.start, seg.base, seg.rel, seg.packed,
                    seg.dbits, seg.rbits, seg.idbits, masks, ends, radii, radius,
                )  # fmt: skip
            else:
                qq, rr, dd = kernels.scan(q, words, self._alive, seg.start, radius)
            parts.append((qq, rr + seg.start, dd))
        for start, words in self._spans(self._indexed_end(), self._n):
            qq, rr, dd = kernels.scan(q, words, self._alive, start, radius)
            parts.append((qq, rr + start, dd))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Hits(empty, empty, empty)
        qa, ra, da = (np.concatenate([p[i] for p in parts]) for i in range(3))
        order = np.lexsort((ra, qa))
        return Hits(qa[order], ra[order], da[order])

    # -- persistence -----------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write numpy files + a JSON manifest (no pickle) atomically: a crash leaves the old copy."""
        with atomic_directory(Path(directory)) as tmp:
            out = np.lib.format.open_memmap(
                tmp / "hashes.npy", mode="w+", dtype=np.uint64, shape=(self._n, WORDS)
            )
            for start, words in self._spans(0, self._n):  # block by block: never a second full copy
                out[start : start + words.shape[0]] = words
            out.flush()
            del out
            np.save(tmp / "alive.npy", self._alive[: (self._n + 7) // 8], allow_pickle=False)
            for k, seg in enumerate(self._segments):
                for part in _SEGMENT_ARRAYS:
                    np.save(tmp / f"seg{k}_{part}.npy", getattr(seg, part), allow_pickle=False)
            meta = {
                "format": "bastion-pdq-index",
                "version": FORMAT_VERSION,
                "rows": self._n,
                "segments": [[s.start, s.end, s.dbits, s.rbits, s.idbits] for s in self._segments],
                "tail_limit": self._tail_limit,
                "merge_limit": self._merge_limit,
                "block_bits": self._block_bits,
            }
            (tmp / "manifest.json").write_text(json.dumps(meta))

    @classmethod
    def load(
        cls, directory: str | os.PathLike[str], mmap: bool = True, *, probe_cost: float = PROBE_COST
    ) -> PDQIndex:
        """Reload saved tables as they are (memory-mapped by default): no rebuild, no copy of full blocks."""
        path = Path(directory)
        manifest = path / "manifest.json"
        try:
            meta = json.loads(manifest.read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read index manifest: {exc}", file=str(manifest)) from exc
        if meta.get("format") != "bastion-pdq-index" or meta.get("version") != FORMAT_VERSION:
            raise InputError("not a bastion PDQ index of a known version", file=str(manifest))
        mode: Literal["r"] | None = "r" if mmap else None
        idx = cls(
            tail_limit=int(meta["tail_limit"]),
            merge_limit=int(meta["merge_limit"]),
            block_bits=int(meta["block_bits"]),
            probe_cost=probe_cost,
        )
        n = int(meta["rows"])
        words = np.load(path / "hashes.npy", mmap_mode=mode, allow_pickle=False)
        idx._alive = np.array(np.load(path / "alive.npy", allow_pickle=False))
        if words.shape != (n, WORDS) or idx._alive.shape != ((n + 7) // 8,) or idx._alive.dtype != np.uint8:
            raise InputError("index arrays do not match the manifest", file=str(manifest))
        size = 1 << idx._block_bits
        for s in range(0, n, size):
            block = words[s : s + size]
            if block.shape[0] < size:  # the open block takes appends: copy it (< one block) into RAM
                fresh = np.zeros((size, WORDS), dtype=np.uint64)
                fresh[: block.shape[0]] = block
                block = fresh
            idx._blocks.append(block)
        idx._n = n
        for k, (start, end, dbits, rbits, idbits) in enumerate(meta["segments"]):
            arrays = {
                part: np.load(path / f"seg{k}_{part}.npy", mmap_mode=mode, allow_pickle=False)
                for part in _SEGMENT_ARRAYS
            }
            seg = _Segment(int(start), int(end), int(dbits), int(rbits), int(idbits), **arrays)
            if (seg.dbits, seg.rbits, seg.idbits) != key_layout(seg.size) or seg.rel.shape != (
                TABLES,
                (1 << seg.dbits) + 1,
            ):
                raise InputError(f"segment {k} tables do not match the manifest", file=str(manifest))
            idx._segments.append(seg)
        return idx


_SEGMENT_ARRAYS = ("base", "rel", "packed")
