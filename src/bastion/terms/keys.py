"""The automaton keys of a lexicon: each term's skeleton, and the extra keys its views need.

Why vectorised: compiling 100,000 terms one ``canonical`` call at a time spends most of its time in Python
per-call overhead. Terms are joined into one string, folded with one ``translate`` and squeezed with numpy
(the batch pre-filter's code), and only the rare terms that need more (letters spread out by separators) go
through ``canonical`` one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import ahocorasick
import numpy as np

from bastion.terms.emoji import has_pictograph
from bastion.terms.joined import SEP, fold_joined, fold_squeeze
from bastion.terms.lookalikes import letter_variants_many
from bastion.terms.normalize import canonical, fold_text, prefold, spread_pattern

FORWARD, REVERSED, JOINED, ALLOW, LOOKALIKE = 0, 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class TermKeys:
    """Per term, in input order."""

    keys: list[str]  # the skeleton each term is stored under ("" when it has none)
    letters: list[int]  # skeleton letters before squeezing: how long the term is for the length rules
    pictographic: list[bool]  # holds a pictograph: no reversal, no look-alike letters
    unsqueezed: list[str]  # the skeleton before squeezing, where letter look-alikes are spelled out


def canonical_many(texts: Sequence[str]) -> TermKeys:
    """``canonical`` of each text, with its unsqueezed length, in a few vectorised passes."""
    pre = [prefold(t) for t in texts]
    if not pre or any(SEP in t for t in pre):  # cannot be joined safely; rare enough to do one by one
        keys = [canonical(t) for t in texts]
        folded = [fold_text(t, True) for t in pre]
        bases = list(keys)
    else:
        joined = SEP.join(pre)
        keys = fold_squeeze(joined).split(SEP)
        folded = fold_joined(joined).split(SEP)
        bases = [f.strip() for f in folded]
        for i, key in enumerate(keys):
            if " " in key or not key.isascii():
                pattern = spread_pattern(key)
                if pattern is not None and pattern.search(key) is not None:
                    keys[i] = bases[i] = canonical(texts[i])
                else:
                    keys[i] = key.strip()
    return TermKeys(
        keys,
        [len(f) - f.count(" ") for f in folded],
        [False if t.isascii() else has_pictograph(t) for t in pre],
        bases,
    )


@dataclass(slots=True)
class Compiled:
    """The automaton and what its values mean.

    A value is an int: ``klen << 32 | position << 3 | kind`` for a key stored once (nearly all of them), or
    ``-(slot + 1)`` for a key several terms share, whose ``(klen, ((kind, position), ...))`` is
    ``shared[slot]``. Ints keep 100,000 terms' worth of keys from allocating a tuple each.
    """

    automaton: Any
    shared: list[tuple[int, tuple[tuple[int, int], ...]]]
    kept: list[int]  # indices into the input texts of the terms that have a skeleton, by position
    long: list[bool]  # by position
    spaced: bool  # some key holds a space (which defeats the leetspeak-view gate)

    def items(self, value: int) -> tuple[int, tuple[tuple[int, int], ...]]:
        if value >= 0:
            return value >> 32, ((value & 7, (value >> 3) & _POSITION),)
        return self.shared[-value - 1]


_POSITION = (1 << 29) - 1


def build(
    texts: Sequence[str], allow: Sequence[str], *, min_substring_len: int, min_reversed_len: int
) -> Compiled:
    """Every automaton key of the terms ``texts`` and the allowlist phrases ``allow``."""
    tk = canonical_many(texts)
    kept = [i for i, k in enumerate(tk.keys) if k]
    if len(kept) > _POSITION:
        raise ValueError(f"at most {_POSITION} terms per matcher")
    keys = [tk.keys[i] for i in kept]
    long = [tk.letters[i] >= min_substring_len for i in kept]
    words = [k if not tk.pictographic[i] else "" for i, k in zip(kept, keys, strict=True)]
    allowed = [k for k in canonical_many(allow).keys if k]
    rev = [
        (r, j) for j, k in enumerate(words) if long[j] and len(k) >= min_reversed_len and (r := k[::-1]) != k
    ]
    joined = [(k.replace(" ", ""), j) for j, k in enumerate(words) if " " in k]
    alike = letter_variants_many([tk.unsqueezed[i] if w else "" for i, w in zip(kept, words, strict=True)])
    all_keys = keys + [k for k, _ in rev] + [k for k, _ in joined] + [k for k, _ in alike] + allowed
    kinds = np.repeat(
        np.array([FORWARD, REVERSED, JOINED, LOOKALIKE, ALLOW], dtype=np.int64),
        [len(keys), len(rev), len(joined), len(alike), len(allowed)],
    )
    positions = np.fromiter(
        chain(range(len(keys)), (j for _, j in rev), (j for _, j in joined), (j for _, j in alike)),
        dtype=np.int64,
    )
    positions = np.concatenate([positions, np.zeros(len(allowed), dtype=np.int64)])
    lengths = np.fromiter(map(len, all_keys), dtype=np.int64, count=len(all_keys))
    codes: list[int] = ((lengths << 32) | (positions << 3) | kinds).tolist()
    values = dict(zip(all_keys, codes, strict=True))
    shared: list[tuple[int, tuple[tuple[int, int], ...]]] = []
    if len(values) < len(all_keys):
        # keys stored for several different (kind, term) pairs: the rare ones that need a shared slot
        clashing = {k for k, code in zip(all_keys, codes, strict=True) if values[k] != code}
        grouped: dict[str, dict[tuple[int, int], None]] = {}
        for k, code in zip(all_keys, codes, strict=True):
            if k in clashing:
                kind, pos = code & 7, (code >> 3) & _POSITION
                grouped.setdefault(k, {})[(kind, pos)] = None
        for k, found in grouped.items():
            if len(found) > 1:
                shared.append((len(k), tuple(found)))
                values[k] = -len(shared)
    automaton: Any = ahocorasick.Automaton()
    for k, v in values.items():
        automaton.add_word(k, v)
    if values:
        automaton.make_automaton()
    return Compiled(automaton, shared, kept, long, " " in SEP.join(keys) or " " in SEP.join(allowed))
