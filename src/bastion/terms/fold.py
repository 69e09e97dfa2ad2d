"""The character folding tables: every code point is mapped once, at import, to its skeleton.

Why one table: ``str.translate`` over a precomputed mapping is the only per-character work at match time, so
the normaliser stays within a small factor of a raw automaton. The table applies case folding, NFKD minus
marks, TR39 confusable prototypes, a second fold of those prototypes (they are often small capitals or other
non-ASCII letters), invisible-character removal and leetspeak, in one step.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bastion.terms.confusables import prototypes
from bastion.terms.emoji import SKIN_TONES, pictographs

# ``l`` and ``i`` share one skeleton letter because ``1``, ``|`` and ``!`` stand for both.
ASCII_LETTERS = {chr(c): chr(c) for c in range(ord("a"), ord("z") + 1)} | {"l": "i"}
LEET = {"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "b", "7": "t", "8": "b", "9": "g"}
LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "i", "+": "t"}
# Look-alikes TR39 leaves outside Latin or sends to an unhelpful prototype.
OVERRIDES = {
    "ĸ": "k", "ʍ": "m", "π": "n", "β": "b", "ε": "e", "ɜ": "e", "ɸ": "o", "ß": "b", "€": "e", "ꞓ": "e",
    "ȷ": "j", "ɰ": "w", "ᴎ": "n", "ᴙ": "r",
}  # fmt: skip
# Characters that render as nothing (beyond the Cf category) and are used to split words invisibly.
INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u3164\uffa0\u2800")
_LATIN_NAME = re.compile(
    r"\b(?:LATIN (?:CAPITAL |SMALL )?|REGIONAL INDICATOR SYMBOL )LETTER "
    r"(?:SMALL CAPITAL )?(?:REVERSED )?([A-Z])\b"
)
_SCANNED = (range(0x20, 0x3400), range(0xA000, 0xAC00), range(0xD7A4, 0x20000), range(0xE0000, 0xE01F0))
# CJK ideographs, Hangul syllables and the supplementary ideographic planes fold to themselves except for the
# few TR39 lists; only those are looked at.
_SPARSE = (range(0x3400, 0xA000), range(0xAC00, 0xD7A4), range(0x20000, 0x30000))
_MAX_ROUNDS = 6


def _is_invisible(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch in INVISIBLE or cat == "Cf" or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


def _step_ascii(ch: str) -> str:
    low = ch.lower()
    if low in ASCII_LETTERS:
        return ASCII_LETTERS[low]
    if low in LEET or low in LEET_SYMBOLS:
        return low  # resolved by the final leet or plain pass
    return " "


def _step(ch: str) -> str:
    """One round of folding for one character; repeated until nothing changes."""
    if ch.isascii():
        return _step_ascii(ch)
    if _is_invisible(ch) or ch in SKIN_TONES:
        return ""
    if ch in pictographs():
        # a pictograph stays itself unless it is a letter in disguise (🅰, Ⓜ, ℹ)
        folded = _step_letter(ch)
        return folded if len(folded) == 1 and folded.isalnum() else ch
    return _step_letter(ch)


def _step_letter(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me"):
        return ""
    if ch in OVERRIDES:
        return OVERRIDES[ch]
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c) not in ("Mn", "Me")
    )
    if decomposed != ch:
        inner = decomposed.strip("().")
        return inner if len(inner) == 1 and inner.isalnum() else decomposed
    proto = prototypes().get(ch)
    if proto is not None and proto != ch:
        return proto
    m = _LATIN_NAME.search(unicodedata.name(ch, ""))
    if m:
        return m.group(1).lower()
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    if ch.lower() != ch:
        return ch.lower()
    if cat[0] in "PZSC":
        return " "
    return ch


_LEET_PASS = str.maketrans(LEET | LEET_SYMBOLS)
_PLAIN_PASS = str.maketrans({c: " " for c in (*LEET, *LEET_SYMBOLS)})


def _skeleton(ch: str) -> str:
    cur = ch
    for _ in range(_MAX_ROUNDS):
        nxt = "".join(_step(c) for c in cur)
        if nxt == cur:
            break
        cur = nxt
    return cur


def fold_char(ch: str, leet: bool = True) -> str:
    """The skeleton of one character (possibly empty or several characters)."""
    return _skeleton(ch).translate(_LEET_PASS if leet else _PLAIN_PASS)


@functools.cache
def _skeletons() -> dict[int, str]:
    out: dict[int, str] = {}
    protos = prototypes()
    for block in _SCANNED:
        for cp in block:
            if 0xD800 <= cp <= 0xDFFF:
                continue
            ch = chr(cp)
            folded = _skeleton(ch)
            if folded != ch:
                out[cp] = folded
    for block in _SPARSE:
        for cp in block:
            ch = chr(cp)
            if ch in protos:
                out[cp] = _skeleton(ch)
    for cp in range(0x20):
        out[cp] = " "
    return out


@functools.cache
def table(leet: bool) -> dict[int, str]:
    """``str.translate`` mapping of every code point whose skeleton differs from itself."""
    final = _LEET_PASS if leet else _PLAIN_PASS
    out = {cp: s.translate(final) for cp, s in _skeletons().items()}
    for src in (*LEET, *LEET_SYMBOLS):
        out[ord(src)] = src.translate(final)
    return {cp: s for cp, s in out.items() if s != chr(cp)}


@functools.cache
def ascii_table(leet: bool) -> bytes:
    """The same mapping for pure-ASCII text as a ``bytes.translate`` table (ASCII skeletons are 1 char)."""
    full = table(leet)
    return bytes(ord(full.get(b, chr(b))) for b in range(128)) + bytes(range(128, 256))


def fold(text: str, leet: bool = True) -> str:
    """Skeleton of ``text`` with the same length semantics as the tables (no squeezing, no views)."""
    if text.isascii():
        return text.encode("ascii").translate(ascii_table(leet)).decode("ascii")
    return text.translate(table(leet))
