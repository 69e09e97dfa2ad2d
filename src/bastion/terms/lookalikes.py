"""Look-alikes made of several characters: "rn" for "m", "vv" for "w", "cl" for "d", "|<" for "k".

Two mechanisms, chosen by what each costs in false positives (measured by ``bench/terms.py``):

- Sequences of symbols ("|<", "|)", "\\/\\/") are rewritten to their letter before folding, in every text and
  term. They contain ``|`` or ``\\``, which ordinary prose in any script almost never holds, so the rewrite
  cannot turn a benign text into a term.
- Sequences of letters ("rn", "vv", "cl") are common inside ordinary words ("modern", "savvy", "include"), so
  the text is never rewritten; instead a long term gets extra automaton keys with its letters written as the
  sequence ("tidelamp" also as "ticlelarnp"). Only terms of at least ``MIN_LOOKALIKE_LEN`` skeleton letters
  get them: for shorter terms the variants are too often real words ("dam" -> "darn", "dose" -> "close").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np

from bastion.terms.joined import SEP, squeeze_joined

MIN_LOOKALIKE_LEN = 6
# Symbol sequences and the letter they draw. Longest first, so "|\/|" wins over "\/".
ART = {
    "|\\/|": "m", "/\\/\\": "m", "\\/\\/": "w", "|\\|": "n", "|-|": "h", "|<": "k", "|{": "k", "|)": "d",
    "|]": "d", "|3": "b", "|2": "r", "|_": "l", "\\/": "v", "/\\": "a",
}  # fmt: skip
ART_RE = re.compile("|".join(re.escape(k) for k in sorted(ART, key=len, reverse=True)))
# Skeleton letter -> how the letter sequence that draws it reads once folded and squeezed ("cl" folds to
# "ci" because l and i share a skeleton letter; "vv" squeezes to "v").
LETTER_SEQUENCES = {"m": "rn", "w": "v", "d": "ci"}
MAX_VARIANTS = 15
_SQUEEZE = re.compile(r"(.)\1+")
_SPOTS = re.compile("[mwd]")


def may_have_art(text: str) -> bool:
    return "|" in text or "\\" in text


def rewrite_art(text: str) -> str:
    return ART_RE.sub(lambda m: ART[m.group()], text) if may_have_art(text) else text


def letter_variants(key: str) -> list[str]:
    """Skeleton ``key`` with some of its m, w, d written as "rn", "vv", "cl": every combination of letters
    replaced everywhere, and, where a letter repeats, of single positions (up to ``MAX_VARIANTS``)."""
    return list(dict.fromkeys(v for v, _ in letter_variants_many([key])))


def letter_variants_many(keys: Sequence[str]) -> list[tuple[str, int]]:
    """``letter_variants`` of many keys as (variant, index of its key) pairs. Keys are grouped by which of
    the letters they hold; each set of letters replaced everywhere is then one ``str.replace`` over a group
    joined, and only keys with a repeated letter get per-position variants one by one."""
    n = len(keys)
    sizes = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    masks = np.zeros(n, dtype=np.int64)
    letters = tuple(LETTER_SEQUENCES)
    for bit, ch in enumerate(letters):
        holding = [i for i, k in enumerate(keys) if ch in k]
        masks[np.asarray(holding, dtype=np.int64)] |= 1 << bit
    masks[sizes < MIN_LOOKALIKE_LEN] = 0
    groups: dict[str, list[int]] = {}
    for mask in np.unique(masks[masks > 0]).tolist():
        held = "".join(ch for bit, ch in enumerate(letters) if mask >> bit & 1)
        members = np.flatnonzero(masks == mask).tolist()
        # long enough without its spaces (a group may keep none: it has no variants, and no joined text)
        kept = [i for i in members if len(keys[i]) - keys[i].count(" ") >= MIN_LOOKALIKE_LEN]
        if kept:
            groups[held] = kept
    out: list[tuple[str, int]] = []
    for held, members in groups.items():
        joined = SEP.join(keys[i] for i in members)
        for r in range(1, len(held) + 1):
            for subset in itertools.combinations(held, r):
                replaced = joined
                for ch in subset:
                    replaced = replaced.replace(ch, LETTER_SEQUENCES[ch])
                out.extend(zip(squeeze_joined(replaced).split(SEP), members, strict=True))
        for i in members:
            key = keys[i]
            spots = [m.start() for m in _SPOTS.finditer(key)]
            if len(spots) == len(held):
                continue  # no letter repeats: replacing every occurrence covered each combination
            combos = [c for r in range(1, len(spots)) for c in itertools.combinations(spots, r)]
            for positions in combos[:MAX_VARIANTS]:
                chars = list(key)
                for j in positions:
                    chars[j] = LETTER_SEQUENCES[key[j]]
                out.append((_SQUEEZE.sub(r"\1", "".join(chars)), i))
    return out
