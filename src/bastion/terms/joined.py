"""Many texts joined by one separator, folded and squeezed in one pass.

Why: per text, folding and squeezing cost a few Python calls; joined into one string, a batch of texts (or a
lexicon's terms) is folded with one ``translate`` and squeezed with numpy.
"""

from __future__ import annotations

import functools

import numpy as np

from bastion.terms.fold import ascii_table, table

SEP = "\x1f"  # whitespace to the regexes, produced by no fold, so nothing matches or squeezes across it


@functools.cache
def _batch_ascii_table() -> bytes:
    t = bytearray(ascii_table(True))
    t[ord(SEP)] = ord(SEP)
    return bytes(t)


@functools.cache
def _batch_table() -> dict[int, str]:
    mapping = dict(table(True))
    mapping[ord(SEP)] = SEP
    return mapping


def fold_joined(joined: str) -> str:
    """Fold texts joined by ``SEP``, keeping the separators."""
    if joined.isascii():
        return joined.encode("ascii").translate(_batch_ascii_table()).decode("ascii")
    return joined.translate(_batch_table())


def fold_squeeze(joined: str) -> str:
    """Fold and squeeze texts joined by ``SEP`` in one pass; nothing folds or squeezes across a ``SEP``."""
    return squeeze_joined(fold_joined(joined))


def squeeze_joined(folded: str) -> str:
    """Collapse runs of one repeated character, never across a ``SEP``."""
    if folded.isascii():
        arr = np.frombuffer(folded.encode("ascii"), dtype=np.uint8)
        codec = "ascii"
    else:
        arr = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
        codec = "utf-32-le"
    if arr.size == 0:
        return ""
    keep = np.empty(arr.size, dtype=bool)
    keep[0] = True
    np.not_equal(arr[1:], arr[:-1], out=keep[1:])
    keep |= arr == ord(SEP)
    return arr[keep].tobytes().decode(codec)
