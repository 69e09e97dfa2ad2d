"""Pictographs (emoji) as characters of their own, so an emoji code word can be a lexicon term.

Why: networks advertise with emoji sequences standing for a phrase. Folding used to turn every symbol into a
space, so such a term had no skeleton and never matched. Pictographs now fold to themselves, their decorations
(variation selectors, ZWJ, skin-tone modifiers, keycap marks) fold to nothing, and any separators written
between two pictographs are dropped before folding, so "🦜 🎈", "🦜.🎈" and "🦜\u200d🎈" all read "🦜🎈". A
pictograph is a word of its own: it is a token boundary for letters next to it, and a term that starts or
ends with one matches even when glued to letters ("x🦜🎈y").

The set is Unicode's Extended_Pictographic property, read through the ``regex`` package once per process
(no emoji list is kept in the repository).
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

import numpy as np
import regex

# Emoji_Modifier: the five skin tones; they only decorate the pictograph before them.
SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
# Extended_Pictographic lives below U+3300 and in the supplementary symbol planes; scanning only there keeps
# the one-time cost small.
_SCAN = ((0xA0, 0x3300), (0x1F000, 0x1FFFE))


@functools.cache
def pictograph_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive code point ranges of Extended_Pictographic, minus the skin-tone modifiers."""
    prop = regex.compile(r"\p{Extended_Pictographic}")
    out: list[list[int]] = []
    for lo, hi in _SCAN:
        chunk = "".join(chr(c) for c in range(lo, hi) if not 0xD800 <= c <= 0xDFFF)
        for ch in prop.findall(chunk):
            cp = ord(ch)
            if ch in SKIN_TONES:
                continue
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
    return tuple((a, b) for a, b in out)


@functools.cache
def pictographs() -> frozenset[str]:
    return frozenset(chr(c) for a, b in pictograph_ranges() for c in range(a, b + 1))


@functools.cache
def pictograph_class() -> str:
    """The pictographs as the inside of a regex character class."""
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in pictograph_ranges()
    )


@functools.cache
def pictograph_re() -> re.Pattern[str]:
    return re.compile(f"[{pictograph_class()}]")


@functools.cache
def _coarse_re() -> re.Pattern[str]:
    """The pictograph blocks as a handful of ranges: a fast necessary condition, because a character class
    of 150 ranges costs some 75 ns a character on non-ASCII text."""
    merged: list[list[int]] = []
    for a, b in pictograph_ranges():
        if merged and a - merged[-1][1] < 256:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in merged) + "]")


_GAP = re.compile(r"(?:[^\w\x1f]|_)+")


@functools.cache
def _table() -> Any:
    table = np.zeros(_TABLE_SIZE, dtype=bool)
    for a, b in pictograph_ranges():
        table[a : b + 1] = True
    return table


_TABLE_SIZE = 0x20000  # no pictograph lies above; U+1FFFF, a noncharacter, stands for all of those
_LONG = 512  # from this many characters a numpy lookup beats the regex character class


def pictograph_mask(text: str) -> Any:
    """Per character of ``text``, whether it is a pictograph (a numpy bool array)."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return _table()[np.minimum(cps, _TABLE_SIZE - 1)]


def pictograph_positions(text: str) -> list[int]:
    if text.isascii() or _coarse_re().search(text) is None:
        return []
    if len(text) >= _LONG:
        return [int(i) for i in np.flatnonzero(pictograph_mask(text))]
    return [m.start() for m in pictograph_re().finditer(text)]


def gap_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of separators (anything but letters, digits and the batch separator)
    between two pictographs. Found from the pictographs, which are few, rather than by a regex that looks
    behind at every character."""
    spots = pictograph_positions(text)
    return [(a + 1, b) for a, b in itertools.pairwise(spots) if b - a > 1 and _GAP.fullmatch(text, a + 1, b)]


def is_pictograph(ch: str) -> bool:
    return ch in pictographs()


def has_pictograph(text: str) -> bool:
    if text.isascii() or _coarse_re().search(text) is None:
        return False
    return pictograph_re().search(text) is not None


def close_gaps(text: str) -> str:
    """Drop separators between pictographs ("🦜 . 🎈" reads "🦜🎈"); letters between them stay."""
    spans = gap_spans(text)
    if not spans:
        return text
    pieces = []
    pos = 0
    for a, b in spans:
        pieces.append(text[pos:a])
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces)
