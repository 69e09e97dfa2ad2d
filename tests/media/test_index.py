"""The PDQ index against brute force: random and clustered data, adds, removals, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.core.errors import InputError
from bastion.media.index import PDQIndex
from bastion.media.pdq_words import hamming, words_to_hex


def _dataset(rng: np.random.Generator, n_random: int, n_centres: int, per: int) -> npt.NDArray[np.uint64]:
    """Random hashes plus clusters of near-duplicates (0-40 flipped bits around random centres)."""
    rand = rng.integers(0, 2**64 - 1, size=(n_random, 4), dtype=np.uint64, endpoint=True)
    centres = rng.integers(0, 2**64 - 1, size=(n_centres, 4), dtype=np.uint64, endpoint=True)
    near = np.repeat(centres, per, axis=0)
    bits = np.unpackbits(near.view(np.uint8), axis=1)
    for i in range(near.shape[0]):
        flip = rng.choice(256, size=int(rng.integers(0, 41)), replace=False)
        bits[i, flip] ^= 1
    near = np.packbits(bits, axis=1).view(np.uint64)
    return np.concatenate([rand, centres, near])


def _brute(
    data: npt.NDArray[np.uint64], alive: npt.NDArray[np.bool_], q: npt.NDArray[np.uint64], r: int
) -> set[tuple[int, int]]:
    out = set()
    for i in range(q.shape[0]):
        rows = np.nonzero((hamming(data, q[i]) <= r) & alive)[0]
        out.update((i, int(j)) for j in rows)
    return out


def _got(idx: PDQIndex, q: npt.NDArray[np.uint64], r: int) -> set[tuple[int, int]]:
    hits = idx.search(q, r)
    assert (
        np.array_equal(
            hits.distance,
            hamming(np.array([_row(idx, x) for x in hits.row.tolist()]).reshape(-1, 4), q[hits.query]),
        )
        if hits.row.size
        else True
    )
    return set(zip(hits.query.tolist(), hits.row.tolist(), strict=True))


def _row(idx: PDQIndex, row: int) -> npt.NDArray[np.uint64]:
    return idx._words(row, row + 1)[0]


@pytest.mark.parametrize("probe_cost", [0.0, 12.0], ids=["tables", "cost-model"])
def test_matches_brute_force_with_incremental_adds_and_removes(tmp_path: Path, probe_cost: float) -> None:
    rng = np.random.default_rng(5)
    data = _dataset(rng, 3000, 60, 20)
    rng.shuffle(data)
    idx = PDQIndex(tail_limit=500, probe_cost=probe_cost)
    for part in np.array_split(data, 11):  # several freezes and merges, ending with a live tail
        idx.add(part)
    assert len(idx._segments) >= 1 and idx.rows > idx._segments[-1].end  # segments plus a live tail
    alive = np.ones(len(data), dtype=bool)
    gone = rng.choice(len(data), 300, replace=False)
    idx.remove(gone.tolist())
    alive[gone] = False
    queries = np.concatenate([data[rng.choice(len(data), 60)], _dataset(rng, 20, 5, 4)])
    for r in (0, 10, 31, 40):
        assert _got(idx, queries, r) == _brute(data, alive, queries, r), r
    assert len(idx) == int(alive.sum())

    idx.save(tmp_path / "pdq")
    again = PDQIndex.load(tmp_path / "pdq", probe_cost=probe_cost)
    assert _got(again, queries, 31) == _brute(data, alive, queries, 31)
    extra = _dataset(rng, 5, 2, 3)
    rows = again.add(extra)  # a reloaded (memory-mapped) index still takes adds
    hits = again.search(extra, 0)
    assert set(rows.tolist()) <= set(hits.row.tolist())


def test_new_hash_matchable_immediately_and_removal_immediate() -> None:
    rng = np.random.default_rng(1)
    idx = PDQIndex(tail_limit=100)
    idx.add(rng.integers(0, 2**63, size=(1000, 4), dtype=np.uint64))
    h = words_to_hex(rng.integers(0, 2**63, size=(1, 4), dtype=np.uint64))[0]
    assert idx.search([h], 31).row.size == 0
    (row,) = idx.add([h]).tolist()
    assert idx.search([h], 0).row.tolist() == [row]
    idx.remove([row])
    assert idx.search([h], 31).row.size == 0
    assert idx.hash_at(row) == h  # history kept


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 48), st.integers(1, 400))
def test_property_exact_against_brute_force(seed: int, radius: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    data = _dataset(rng, n, 3, 5)
    idx = PDQIndex(tail_limit=64, probe_cost=0)  # every segment through its tables, however small
    idx.add(data)
    q = data[rng.choice(len(data), 5)] ^ rng.integers(0, 2, size=(5, 4), dtype=np.uint64)
    assert _got(idx, q, radius) == _brute(data, np.ones(len(data), dtype=bool), q, radius)


def test_bad_input_is_rejected(tmp_path: Path) -> None:
    idx = PDQIndex()
    with pytest.raises(InputError):
        idx.add(["xyz"])
    with pytest.raises(InputError):
        idx.add(["g" * 64])
    with pytest.raises(InputError):
        idx.search(["0" * 64], 300)
    with pytest.raises(InputError):
        PDQIndex.load(tmp_path / "missing")


def test_small_blocks_and_merge_limit_stay_exact_across_reload(tmp_path: Path) -> None:
    """Hashes spread over many fixed-size blocks (no growth copy) and segments capped by merge_limit."""
    rng = np.random.default_rng(11)
    data = _dataset(rng, 900, 20, 10)
    idx = PDQIndex(tail_limit=50, merge_limit=200, block_bits=6, probe_cost=0)  # 64-row blocks
    for part in np.array_split(data, 7):
        idx.add(part)
    assert len(idx._blocks) > 10 and max(s.size for s in idx._segments) <= 200 + 51
    alive = np.ones(len(data), dtype=bool)
    gone = rng.choice(len(data), 50, replace=False)
    idx.remove(gone.tolist())
    alive[gone] = False
    q = np.concatenate([data[rng.choice(len(data), 30)], _dataset(rng, 5, 2, 2)])
    assert _got(idx, q, 31) == _brute(data, alive, q, 31)
    idx.save(tmp_path / "blocks")
    again = PDQIndex.load(tmp_path / "blocks", probe_cost=0)
    extra = _dataset(rng, 40, 1, 1)
    again.add(extra)  # appends into the copied open block, then fresh blocks
    both = np.concatenate([data, extra])
    alive = np.concatenate([alive, np.ones(len(extra), dtype=bool)])
    assert _got(again, q, 31) == _brute(both, alive, q, 31)
    again.optimize()
    assert len(again._segments) == len(again._blocks)  # one segment per block: 3-byte ids stay in range
    assert all(s.start >> 6 == (s.end - 1) >> 6 for s in again._segments)
    assert _got(again, q, 31) == _brute(both, alive, q, 31)


def test_many_copies_of_one_hash_overflow_the_compact_directory() -> None:
    """70,000 copies of one hash fill one directory superblock past 2 bytes: the segment widens it."""
    rng = np.random.default_rng(3)
    same = np.repeat(rng.integers(0, 2**63, size=(1, 4), dtype=np.uint64), 70_000, axis=0)
    data = np.concatenate([same, _dataset(rng, 2000, 10, 10)])
    idx = PDQIndex(probe_cost=0)
    idx.add(data)
    idx.optimize()
    assert idx._segments[0].rel.dtype == np.uint32
    q = np.concatenate([same[:1], data[-40:]])
    assert _got(idx, q, 31) == _brute(data, np.ones(len(data), dtype=bool), q, 31)


def test_memory_stays_within_twice_the_raw_hash_bytes() -> None:
    """The layout, not a timing: eight tables of bit-packed entries plus a ~10-bit directory per bucket;
    2^17 rows is the worst case (the fewest rows a directory bucket)."""
    rng = np.random.default_rng(4)
    for n in (1 << 17, 300_000):
        data = rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64)
        idx = PDQIndex()
        idx.add(data)
        idx.optimize()
        assert idx.nbytes() <= 2 * data.nbytes, (n, idx.nbytes() / data.nbytes)
