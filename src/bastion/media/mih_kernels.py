"""Compiled loops of the PDQ index (numba): table build by radix sort, table probing, flat scan.

Why compiled: the memory budget (the whole index within 2x the raw hash bytes) leaves ~4 bytes per table
entry, so entries are bit-packed and each query walks thousands of short buckets. As numpy that is a dozen
temporary arrays per query; as plain loops it is one cache miss per bucket, and the residual-key filter,
verification, deduplication and tombstone checks happen on the spot.

One segment's table ``t`` (``n`` rows; the key is the top ``dbits + rbits`` bits of the row's 32-bit word
``t``):
- the directory covers the top ``dbits`` key bits: bucket ``b`` starts at ``base[t, b >> 4] + rel[t, b]``
  (``rel`` is one byte a bucket unless 16 buckets hold more than 255 entries);
- an entry packs the row (relative to the segment, ``idbits`` bits) over the remaining ``rbits`` key bits,
  ``w = idbits + rbits`` bits an entry, so most wrong candidates are dropped before their hash is read;
  a bucket's entries are in residual order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])
SUPER_BITS = 4  # buckets per directory superblock = 16
SCAN_BLOCK = 4096  # rows (128 KiB) a flat scan keeps in cache for all queries of a batch


def _jit(fn: F) -> F:
    """Typed wrapper around numba's decorator (compiled on first call, cached on disk next to the module)."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def _ctpop_typer(typingctx: Any, x: Any) -> Any:  # pragma: no cover - runs at compile time
    """Hardware popcount (LLVM ctpop): numba has no np.bitwise_count."""
    sig = types.int64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return sig, codegen


_ctpop = cast(Callable[[Any], int], intrinsic(_ctpop_typer))


def _inline(fn: F) -> F:
    """For a helper of an inner loop: inlined into the caller's IR, so no call per entry."""
    return cast(F, numba.njit(inline="always")(fn))


@_jit
def build_tables(words32: Any, tables: int, dbits: int, rbits: int, idbits: int) -> tuple[Any, Any, Any, int]:
    """Sort every row by each table's whole key (so a bucket is ordered by residual) and pack.

    Two stable radix passes over half the key each (directory and residual bits), carrying the word and
    the row along, then one sequential packing pass: every step reads and writes in streams. A one-pass
    counting sort scatters into the whole table at random instead, and took 3x as long at 2M rows."""
    n = words32.shape[0]
    nb = 1 << dbits
    top = 32 - dbits
    low = top - rbits
    rmask = np.uint32((1 << rbits) - 1)
    w = idbits + rbits
    half = (dbits + rbits) // 2
    packed = np.zeros((tables, (n * w >> 6) + 2), dtype=np.uint64)  # a spare word: reads take two
    base = np.empty((tables, (nb >> SUPER_BITS) + 1), dtype=np.uint32)
    rels = np.empty((tables, nb + 1), dtype=np.uint32)
    offsets = np.empty(nb + 1, dtype=np.int64)
    words_a = np.empty(n, dtype=np.uint32)
    rows_a = np.empty(n, dtype=np.int64)
    words_b = np.empty(n, dtype=np.uint32)
    rows_b = np.empty(n, dtype=np.int64)
    widest = 0
    for t in range(tables):
        for r in range(n):
            words_a[r] = words32[r, t]
            rows_a[r] = r
        _radix_pass(words_a, rows_a, words_b, rows_b, low, half)
        _radix_pass(words_b, rows_b, words_a, rows_a, low + half, dbits + rbits - half)
        offsets[:] = 0
        o = 0
        for p in range(n):
            word = words_a[p]
            offsets[(word >> top) + 1] += 1
            v = (np.uint64(rows_a[p]) << np.uint64(rbits)) | np.uint64((word >> low) & rmask)
            i = o >> 6
            sh = o & 63
            packed[t, i] |= v << np.uint64(sh)
            if sh + w > 64:
                packed[t, i + 1] |= v >> np.uint64(64 - sh)
            o += w
        for b in range(nb):
            offsets[b + 1] += offsets[b]
        for sb in range(base.shape[1]):
            base[t, sb] = offsets[min(sb << SUPER_BITS, nb)]
        for b in range(nb + 1):
            rel = offsets[b] - np.int64(base[t, b >> SUPER_BITS])
            rels[t, b] = rel
            widest = max(widest, rel)
    return base, rels, packed, widest


@_jit
def _radix_pass(words: Any, rows: Any, out_words: Any, out_rows: Any, shift: int, bits: int) -> None:
    """Stable counting sort by ``bits`` bits of the word starting at bit ``shift``."""
    if bits == 0:
        out_words[:] = words
        out_rows[:] = rows
        return
    mask = (1 << bits) - 1
    count = np.zeros((1 << bits) + 1, dtype=np.int64)
    for i in range(words.shape[0]):
        count[((np.int64(words[i]) >> shift) & mask) + 1] += 1
    for digit in range(1 << bits):
        count[digit + 1] += count[digit]
    for i in range(words.shape[0]):
        d = (np.int64(words[i]) >> shift) & mask
        p = count[d]
        count[d] = p + 1
        out_words[p] = words[i]
        out_rows[p] = rows[i]


@_jit
def probe(
    queries: Any,
    queries32: Any,
    hashes: Any,
    words32: Any,
    alive: Any,
    offset: int,
    base: Any,
    rel: Any,
    packed: Any,
    dbits: int,
    rbits: int,
    idbits: int,
    masks: Any,
    mask_end: Any,
    table_radius: Any,
    radius: int,
) -> tuple[Any, Any, Any, Any]:
    """Every live row within ``radius`` of each query, found through the tables (pigeonhole over keys).

    A directory bucket ``f`` bits from the query's leaves ``radius_t - f`` bits for the residual key, which
    the entry carries; when that leaves none (most buckets: at radius 31 every table probes 3 bits, and most
    masks use all 3), a binary search finds the run of equal residuals, since a bucket is sorted by them.
    A row that several tables find is reported by the first one only: a later table skips a hit whose key
    in an earlier table lies within that table's probe radius.

    Per table, the bucket bounds are read first and each bucket's first and last words touched, all as
    independent loads the CPU overlaps; walking the buckets one by one instead waits on two cache misses
    per bucket (measured: 2x slower). The fourth result is a checksum of the touched words, returned only
    so the compiler keeps those loads."""
    top = 32 - dbits
    low = top - rbits
    rmask = np.uint64((1 << rbits) - 1)
    w = idbits + rbits
    wmask = np.uint64((1 << w) - 1)
    starts = np.empty(masks.shape[0], dtype=np.int64)
    stops = np.empty(masks.shape[0], dtype=np.int64)
    touched = np.uint64(0)
    out = (np.empty(1024, dtype=np.int64), np.empty(1024, dtype=np.int64), np.empty(1024, dtype=np.int64))
    k = 0
    for qi in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        first = 0
        for t in range(mask_end.shape[0]):
            word = np.int64(queries32[qi, t])
            qtop = word >> top
            qres = np.uint64(word >> low) & rmask
            entries = packed[t]
            last = mask_end[t]
            for mi in range(first, last):
                b = qtop ^ np.int64(masks[mi])
                starts[mi] = np.int64(base[t, b >> SUPER_BITS]) + np.int64(rel[t, b])
                stops[mi] = np.int64(base[t, (b + 1) >> SUPER_BITS]) + np.int64(rel[t, b + 1])
            for mi in range(first, last):
                touched ^= entries[(starts[mi] * w) >> 6] ^ entries[(stops[mi] * w) >> 6]
            for mi in range(first, last):
                budget = table_radius[t] - _ctpop(np.uint64(masks[mi]))
                p, stop = starts[mi], stops[mi]
                if budget == 0:  # the residual must be equal: binary search for its run
                    hi = stop
                    while p < hi:
                        mid = (p + hi) >> 1
                        if _bits_at(entries, mid * w) & rmask < qres:
                            p = mid + 1
                        else:
                            hi = mid
                o = p * w
                for _ in range(p, stop):
                    v = _bits_at(entries, o) & wmask
                    o += w
                    if _ctpop((v & rmask) ^ qres) > budget:
                        if budget == 0:
                            break
                        continue
                    row = np.int64(v >> np.uint64(rbits))
                    dist = (
                        _ctpop(hashes[row, 0] ^ q0)
                        + _ctpop(hashes[row, 1] ^ q1)
                        + _ctpop(hashes[row, 2] ^ q2)
                        + _ctpop(hashes[row, 3] ^ q3)
                    )
                    if dist > radius or not _live(alive, offset + row):
                        continue
                    dup = False
                    for u in range(t):
                        diff = (np.int64(words32[row, u]) ^ np.int64(queries32[qi, u])) >> low
                        if _ctpop(np.uint64(diff)) <= table_radius[u]:
                            dup = True
                            break
                    if dup:
                        continue
                    out, k = _emit(out, k, qi, row, dist)
            first = last
    return out[0][:k], out[1][:k], out[2][:k], touched


@_jit
def scan(queries: Any, hashes: Any, alive: Any, offset: int, radius: int) -> tuple[Any, Any, Any]:
    """Flat scan (the unindexed tail, small segments, very large radii), in blocks of rows that stay in
    cache while every query of a batch passes over them. The inner loop only notes the rows within the
    radius; the bookkeeping of a hit happens after it, which keeps it tight (inline it ran 12x slower)."""
    out = (np.empty(1024, dtype=np.int64), np.empty(1024, dtype=np.int64), np.empty(1024, dtype=np.int64))
    k = 0
    n = hashes.shape[0]
    near = np.empty(SCAN_BLOCK, dtype=np.int64)
    near_dist = np.empty(SCAN_BLOCK, dtype=np.int64)
    for first in range(0, n, SCAN_BLOCK):
        last = min(n, first + SCAN_BLOCK)
        for qi in range(queries.shape[0]):
            q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
            j = 0
            for row in range(first, last):
                dist = (
                    _ctpop(hashes[row, 0] ^ q0)
                    + _ctpop(hashes[row, 1] ^ q1)
                    + _ctpop(hashes[row, 2] ^ q2)
                    + _ctpop(hashes[row, 3] ^ q3)
                )
                if dist <= radius:
                    near[j], near_dist[j] = row, dist
                    j += 1
            for x in range(j):
                if _live(alive, offset + near[x]):
                    out, k = _emit(out, k, qi, near[x], near_dist[x])
    return out[0][:k], out[1][:k], out[2][:k]


@_jit
def _emit(out: Any, k: int, qi: int, row: Any, dist: Any) -> tuple[Any, int]:
    """Append a hit to the (query, row, distance) arrays, doubling them when full."""
    if k == out[0].shape[0]:
        cap = 2 * k
        out = (_grow(out[0], cap), _grow(out[1], cap), _grow(out[2], cap))
    out[0][k], out[1][k], out[2][k] = qi, row, dist
    return out, k + 1


@_inline
def _bits_at(entries: Any, o: Any) -> Any:
    """The 64 bits of a packed table from bit ``o`` on (the table keeps a spare word, so two always exist)."""
    i = o >> 6
    sh = np.uint64(o & 63)
    return (entries[i] >> sh) | ((entries[i + 1] << np.uint64(1)) << (np.uint64(63) - sh))


@_jit
def _live(alive: Any, row: Any) -> bool:
    """Tombstone bitmap (one bit a row, little-endian within a byte, as numpy's packbits writes it)."""
    return (alive[row >> 3] >> (row & 7)) & 1 == 1  # type: ignore[no-any-return]


@_jit
def _grow(a: Any, cap: int) -> Any:
    out = np.empty(cap, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out
