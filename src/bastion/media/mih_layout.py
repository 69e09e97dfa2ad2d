"""The multi-index layout of :class:`bastion.media.index.PDQIndex`: how a segment's eight tables key its rows,
which directory buckets a query probes, and what that costs.

Exactness: each table keys a row by the top bits of one of its eight 32-bit words (the directory takes
the first ``d`` of them, the entry carries the next few). The keys are disjoint bit sets, so if two hashes are
within distance ``r`` the key distances sum to at most ``r``; with ``r = 8q + a``, some table ``t <= a``
differs in at most ``q`` bits or some other table in at most ``q - 1`` (else the sum would exceed ``r``).
Enumerating every directory bucket within those radii, and filtering entries on the rest of the key, finds
every true neighbour; candidates are then verified on the full 256 bits.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

from bastion.media.pdq_words import I64

TABLES = 8
ENTRY_BITS = 29  # bits a table entry: with 8 tables and the directory, ~0.9x the raw hash bytes


def key_layout(rows: int) -> tuple[int, int, int]:
    """(directory bits, residual key bits, row-id bits) for a segment: 4-8 rows a directory bucket, and
    entries of ``ENTRY_BITS`` (the row id plus as much of the rest of the key as fits)."""
    idbits = max(1, (rows - 1).bit_length())
    dbits = max(1, min(24, rows.bit_length() - 3))
    rbits = max(0, min(32 - dbits, ENTRY_BITS - idbits))
    return dbits, rbits, idbits


def table_radii(radius: int) -> npt.NDArray[np.int64]:
    """Per-table probe radius from the pigeonhole over eight disjoint keys (-1: table not probed)."""
    q, a = divmod(radius, TABLES)
    return np.array([q if t <= a else q - 1 for t in range(TABLES)], dtype=np.int64)


def _ball(bits: int, radius: int) -> int:
    """Keys within ``radius`` bits of a ``bits``-bit key."""
    return sum(math.comb(bits, r) for r in range(min(radius, bits) + 1))


@cache
def _masks(bits: int, radius: int) -> npt.NDArray[np.uint32]:
    masks = [0]
    for r in range(1, min(radius, bits) + 1):
        masks.extend(sum(1 << b for b in combo) for combo in combinations(range(bits), r))
    return np.sort(np.asarray(masks, dtype=np.uint32))  # neighbouring buckets visited together


@cache
def probe_plan(bits: int, radius: int) -> tuple[npt.NDArray[np.uint32], I64, I64]:
    """All tables' flip masks in one array, where each table's run ends, and the per-table radii."""
    radii = table_radii(radius)
    runs = [_masks(bits, int(r)) if r >= 0 else np.zeros(0, dtype=np.uint32) for r in radii]
    ends: I64 = np.cumsum([len(m) for m in runs]).astype(np.int64)
    return np.concatenate(runs), ends, radii


@cache
def probe_reads(dbits: int, rbits: int, rows: int, radius: int) -> float:
    """Expected random reads when probing a segment: a directory lookup and a bucket per mask, and the
    candidates whose whole key is within the table's radius (cached: it is asked on every query)."""
    radii = [int(r) for r in table_radii(radius) if r >= 0]
    keys = dbits + rbits
    buckets = sum(_ball(dbits, r) for r in radii)
    return 2.0 * buckets + sum(_ball(keys, r) for r in radii) * rows / (1 << keys)
