"""256-bit PDQ hashes as four uint64 words: parsed from and written back to hex (byte order kept, so an
index's keys are stable), and their Hamming distances."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from bastion.core.errors import InputError

WORDS = 4  # 256 bits as four uint64 words
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def hex_to_words(hashes: Iterable[str]) -> U64:
    """Parse 64-hex PDQ strings into an (n, 4) uint64 array (byte order kept, so keys are stable)."""
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
