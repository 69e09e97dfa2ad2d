"""Exact radius search over 256-bit PDQ hashes: multi-index hashing with an append-only log of segments.

Why this shape: HMA rebuilds its faiss index whenever a list changes; here a new hash lands in a small,
brute-force-scanned tail at once (matchable in microseconds), tails are frozen into sorted segments, and
small segments merge geometrically, so no add ever costs a full rebuild (merges past ``merge_limit`` rows are
left to :meth:`PDQIndex.optimize`, which a caller runs off the request path). Removal is a tombstone, so row
numbers (and the history kept by the banks) never move. Hashes live in fixed-size blocks, so growing never
copies what is already stored, and a reloaded index keeps its blocks memory-mapped.

Exactness: the 256 bits are cut into 16 chunks of 16 bits. If two hashes are within distance ``d``, by the
pigeonhole principle at least one chunk differs in at most ``d // 16`` bits, so enumerating every key within
that many bits of each query chunk finds every true neighbour; candidates are then verified with popcount.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from bastion.core.errors import InputError
from bastion.media.atomic import atomic_directory

CHUNKS = 16
BUCKETS = 1 << 16
WORDS = 4  # 256 bits as four uint64 words
DEFAULT_RADIUS = 31
FORMAT_VERSION = 2
BLOCK_BITS = 22  # 4M rows (128 MiB) per block: growth allocates a block, never copies stored hashes

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def hex_to_words(hashes: Iterable[str]) -> U64:
    """Parse 64-hex PDQ strings into an (n, 4) uint64 array (byte order kept, so chunks are stable)."""
    raw = b"".join(_hex_bytes(h) for h in hashes)
    return np.frombuffer(raw, dtype=np.uint64).reshape(-1, WORDS).copy()


def _hex_bytes(value: str) -> bytes:
    if len(value) != 64:
        raise InputError(f"PDQ hash must be 64 hex characters, got {len(value)}: {value[:70]!r}")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise InputError(f"PDQ hash is not hexadecimal: {value!r}") from exc


def words_to_hex(words: U64) -> list[str]:
    data = np.ascontiguousarray(words, dtype=np.uint64).tobytes()
    return [data[i : i + 32].hex() for i in range(0, len(data), 32)]


def hamming(a: U64, b: U64) -> npt.NDArray[np.int64]:
    """Row-wise Hamming distance between broadcastable (..., 4) uint64 arrays."""
    out: I64 = np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int64)
    return out


@cache
def _flip_masks(bits: int) -> npt.NDArray[np.int64]:
    masks = [0]
    for r in range(1, bits + 1):
        for combo in combinations(range(16), r):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return np.asarray(masks, dtype=np.int64)


_TABLE_BASE = (np.arange(CHUNKS, dtype=np.int64) * (BUCKETS + 1))[None, :, None]
_TABLE_NO = np.arange(CHUNKS, dtype=np.int64)[None, :, None]


@dataclass
class _Segment:
    start: int
    end: int
    offsets: npt.NDArray[np.uint32]  # (CHUNKS, BUCKETS + 1), relative to the segment
    ids: npt.NDArray[np.uint32]  # (CHUNKS, end - start), global row numbers sorted by chunk value

    @property
    def size(self) -> int:
        return self.end - self.start

    @classmethod
    def build(cls, chunks: npt.NDArray[np.uint16], start: int) -> _Segment:
        n = chunks.shape[0]
        offsets = np.zeros((CHUNKS, BUCKETS + 1), dtype=np.uint32)
        ids = np.empty((CHUNKS, n), dtype=np.uint32)
        for j in range(CHUNKS):
            keys = chunks[:, j]
            ids[j] = np.argsort(keys, kind="stable").astype(np.uint32) + np.uint32(start)
            np.cumsum(np.bincount(keys, minlength=BUCKETS), out=offsets[j, 1:])
        return cls(start, start + n, offsets, ids)

    def candidates(self, qchunks: I64, masks: I64) -> tuple[I64, I64]:
        """(query, row) for every entry whose bucket in some table is within the flip masks of the query:
        all 16 tables and all queries in one vectorised pass (no per-table Python loop)."""
        keys = qchunks[:, :, None] ^ masks[None, None, :]  # (Q, CHUNKS, M)
        flat = self.offsets.reshape(-1)
        at = (_TABLE_BASE + keys).ravel()
        starts = np.take(flat, at).astype(np.int64)
        lens = np.take(flat, at + 1).astype(np.int64) - starts
        total = int(lens.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        pos = starts + np.broadcast_to(_TABLE_NO * self.size, keys.shape).ravel()
        shift = np.repeat(pos - (np.cumsum(lens) - lens), lens)
        rows = np.take(self.ids.reshape(-1), shift + np.arange(total)).astype(np.int64)
        qidx = np.broadcast_to(np.arange(qchunks.shape[0])[:, None, None], keys.shape).ravel()
        return np.repeat(qidx, lens), rows


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
        tail_limit: int = 32768,
        batch: int = 32,
        *,
        merge_limit: int = 1 << 20,
        block_bits: int = BLOCK_BITS,
    ) -> None:
        self._block_bits = block_bits
        self._blocks: list[U64] = []
        self._alive = np.zeros(1024, dtype=bool)
        self._n = 0
        self._segments: list[_Segment] = []
        self._tail_limit = tail_limit
        self._merge_limit = merge_limit
        self._batch = batch

    # -- size and memory -------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Live (not removed) hashes."""
        return int(self._alive[: self._n].sum())

    @property
    def rows(self) -> int:
        return self._n

    def alive_rows(self) -> I64:
        out: I64 = np.nonzero(self._alive[: self._n])[0].astype(np.int64)
        return out

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, tombstones, segment tables)."""
        total = self._n * WORDS * 8 + self._n
        for s in self._segments:
            total += s.offsets.nbytes + s.ids.nbytes
        return int(total)

    # -- storage ---------------------------------------------------------------------------------------
    def _words(self, start: int, end: int) -> U64:
        """Rows [start, end) as one array (a view when they sit in one block)."""
        bits = self._block_bits
        first, last = start >> bits, (end - 1) >> bits if end > start else start >> bits
        base = first << bits
        if first == last:
            return self._blocks[first][start - base : end - base]
        parts = [
            self._blocks[b][max(start, b << bits) - (b << bits) : min(end, (b + 1) << bits) - (b << bits)]
            for b in range(first, last + 1)
        ]
        return np.concatenate(parts)

    def _gather(self, rows: I64) -> U64:
        if len(self._blocks) == 1:
            return np.take(self._blocks[0], rows, axis=0)
        out = np.empty((rows.size, WORDS), dtype=np.uint64)
        block = rows >> self._block_bits
        local = rows & ((1 << self._block_bits) - 1)
        for b, data in enumerate(self._blocks):
            sel = np.nonzero(block == b)[0]
            if sel.size:
                out[sel] = np.take(data, local[sel], axis=0)
        return out

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
        if self._n + k > self._alive.size:
            alive = np.zeros(max(self._n + k, 2 * self._alive.size), dtype=bool)
            alive[: self._n] = self._alive[: self._n]
            self._alive = alive  # 1 byte per row: a cheap copy, unlike the hashes
        self._alive[self._n : self._n + k] = True
        self._n += k
        if self._n - self._indexed_end() > self._tail_limit:
            self._freeze_tail()
        return rows

    def remove(self, rows: Iterable[int]) -> None:
        """Tombstone rows: they stop matching at once; the row numbers are never reused."""
        arr = np.fromiter(rows, dtype=np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= self._n):
            raise InputError(f"row out of range 0..{self._n - 1}")
        self._alive[arr] = False

    def _indexed_end(self) -> int:
        return self._segments[-1].end if self._segments else 0

    def _chunks(self, start: int, end: int) -> npt.NDArray[np.uint16]:
        return np.ascontiguousarray(self._words(start, end)).view(np.uint16).reshape(-1, CHUNKS)

    def _freeze_tail(self) -> None:
        """Turn the tail into a segment, then merge while the last segment is at least half the one before
        and the merge stays under ``merge_limit`` rows (so an add never pays for a big rebuild)."""
        start = self._indexed_end()
        self._segments.append(_Segment.build(self._chunks(start, self._n), start))
        while len(self._segments) >= 2:
            a, b = self._segments[-2], self._segments[-1]
            if a.size > 2 * b.size or a.size + b.size > self._merge_limit:
                break
            self._segments[-2:] = [_Segment.build(self._chunks(a.start, b.end), a.start)]

    def optimize(self) -> None:
        """Fold everything into one segment (after a bulk load, or in the background now and then)."""
        if self._n:
            self._segments = [_Segment.build(self._chunks(0, self._n), 0)]

    # -- queries ---------------------------------------------------------------------------------------
    def search(self, queries: U64 | Sequence[str], radius: int = DEFAULT_RADIUS) -> Hits:
        """Every live row within ``radius`` of each query (exact), as parallel arrays sorted by query, row."""
        q = hex_to_words(queries) if not isinstance(queries, np.ndarray) else queries
        q = np.ascontiguousarray(q, dtype=np.uint64).reshape(-1, WORDS)
        if not 0 <= radius <= 256:
            raise InputError(f"radius must be in 0..256, got {radius}")
        if q.shape[0] <= self._batch:  # the one-query path: no concatenation of batch results
            qa, ra, da = self._search_batch(q, radius, 0)
            return Hits(qa, ra, da)
        parts = [
            self._search_batch(q[b : b + self._batch], radius, b) for b in range(0, q.shape[0], self._batch)
        ]
        return Hits(*(np.concatenate([p[i] for p in parts]) for i in range(3)))

    def _search_batch(self, q: U64, radius: int, base: int) -> tuple[I64, I64, I64]:
        qs: list[I64] = []
        rs: list[I64] = []
        if radius >= 48:  # enumeration would be huge; a flat scan is cheaper and still exact
            tail_start = 0
        else:
            tail_start = self._indexed_end()
            masks = _flip_masks(radius // CHUNKS)
            qchunks = q.view(np.uint16).reshape(-1, CHUNKS).astype(np.int64)
            for seg in self._segments:
                qq, rr = seg.candidates(qchunks, masks)
                qs.append(qq)
                rs.append(rr)
        step = max(1, 1_000_000 // max(1, q.shape[0]))
        for s in range(tail_start, self._n, step):
            e = min(self._n, s + step)
            d = hamming(q[:, None, :], self._words(s, e)[None, :, :])
            qq, rr = np.nonzero(d <= radius)
            qs.append(qq.astype(np.int64))
            rs.append(rr.astype(np.int64) + s)
        empty = np.zeros(0, dtype=np.int64)
        if not qs:
            return empty, empty, empty
        qa = np.concatenate(qs) if len(qs) > 1 else qs[0]
        ra = np.concatenate(rs) if len(rs) > 1 else rs[0]
        if not ra.size:
            return empty, empty, empty
        x = self._gather(ra)
        np.bitwise_xor(x, np.take(q, qa, axis=0), out=x)
        dist = np.bitwise_count(x).sum(axis=1, dtype=np.int64)
        keep = np.nonzero(dist <= radius)[0]
        keep = keep[np.take(self._alive, ra[keep])]
        key, first = np.unique(qa[keep] * self._n + ra[keep], return_index=True)
        return key // self._n + base, key % self._n, dist[keep][first]

    # -- persistence -----------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write numpy files + a JSON manifest (no pickle) atomically: a crash leaves the old copy."""
        with atomic_directory(Path(directory)) as tmp:
            out = np.lib.format.open_memmap(
                tmp / "hashes.npy", mode="w+", dtype=np.uint64, shape=(self._n, WORDS)
            )
            step = 1 << self._block_bits
            for s in range(0, self._n, step):  # block by block: never a second full copy in memory
                out[s : min(self._n, s + step)] = self._words(s, min(self._n, s + step))
            out.flush()
            del out
            np.save(tmp / "alive.npy", self._alive[: self._n], allow_pickle=False)
            for k, seg in enumerate(self._segments):
                np.save(tmp / f"seg{k}_offsets.npy", seg.offsets, allow_pickle=False)
                np.save(tmp / f"seg{k}_ids.npy", seg.ids, allow_pickle=False)
            meta = {
                "format": "bastion-pdq-index",
                "version": FORMAT_VERSION,
                "rows": self._n,
                "segments": [[s.start, s.end] for s in self._segments],
                "tail_limit": self._tail_limit,
                "merge_limit": self._merge_limit,
                "block_bits": self._block_bits,
            }
            (tmp / "manifest.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, directory: str | os.PathLike[str], mmap: bool = True) -> PDQIndex:
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
        )
        n = int(meta["rows"])
        words = np.load(path / "hashes.npy", mmap_mode=mode, allow_pickle=False)
        idx._alive = np.array(np.load(path / "alive.npy", allow_pickle=False))
        if words.shape != (n, WORDS) or idx._alive.shape != (n,):
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
        for k, (start, end) in enumerate(meta["segments"]):
            offsets = np.load(path / f"seg{k}_offsets.npy", mmap_mode=mode, allow_pickle=False)
            ids = np.load(path / f"seg{k}_ids.npy", mmap_mode=mode, allow_pickle=False)
            idx._segments.append(_Segment(int(start), int(end), offsets, ids))
        return idx
