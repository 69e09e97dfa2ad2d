"""Generators for the obfuscation test set: invented neutral code words and every evasion class."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

from bastion.terms.confusables import prototypes
from bastion.terms.evasions import script_of
from bastion.terms.fold import fold_char

SYLLABLES = [
    "blu",
    "fin",
    "mar",
    "crow",
    "tide",
    "lamp",
    "vel",
    "dor",
    "kep",
    "zu",
    "ran",
    "sho",
    "bek",
    "tam",
]
# short invented code words that occur inside many ordinary English words
SHORT = ["tid", "ank", "orp", "ush", "eft", "ond", "ast", "ern"]
LEET_OF = {
    "a": "4@",
    "e": "3",
    "i": "1!",
    "o": "0",
    "s": "5$",
    "t": "7+",
    "b": "8",
    "g": "9",
    "l": "1|",
    "z": "2",
}
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
MARKS = ["\u0301", "\u0308", "\u0336", "\u0332", "\u0300"]
SEPARATORS = [
    ".",
    "-",
    "_",
    " ",
    "*",
    "·",
    " . ",
    "\U0001f525",
    " \u2728\ufe0f ",
]  # emoji separate letters too
MATH_BASES = [0x1D41A, 0x1D5EE, 0x1D68A, 0x1D4EA]  # bold, sans-serif bold, monospace, bold script (small a)


def invented_terms(n: int, rng: random.Random, min_len: int = 6) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if len(word) >= min_len:
            out.add(word)
    return sorted(out)


def _lookalikes() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for src in prototypes():
        if len(src) == 1 and script_of(src) in ("CYRILLIC", "GREEK", "ARMENIAN"):
            target = fold_char(src)
            if len(target) == 1 and target.isascii() and target.isalpha():
                table.setdefault(target, []).append(src)
    return table


LOOKALIKES = _lookalikes()


def _per_letter(word: str, rng: random.Random, sub: Callable[[str], str | None], share: float = 0.6) -> str:
    out = []
    changed = False
    for ch in word:
        rep = sub(ch) if rng.random() < share else None
        if rep is not None:
            changed = True
        out.append(rep if rep is not None else ch)
    if not changed:  # at least one letter transformed
        idx = [i for i, ch in enumerate(word) if sub(ch) is not None]
        if idx:
            i = rng.choice(idx)
            out[i] = sub(word[i]) or word[i]
    return "".join(out)


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def case(w: str, r: random.Random) -> str:
    return "".join(c.upper() if r.random() < 0.5 else c for c in w)


def fullwidth(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: chr(ord(c.lower()) - 0x61 + 0xFF41) if _ascii_letter(c) else None)


def math_alnum(w: str, r: random.Random) -> str:
    base = r.choice(MATH_BASES)
    return _per_letter(w, r, lambda c: chr(base + ord(c.lower()) - 0x61) if _ascii_letter(c) else None)


def circled(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: chr(0x24D0 + ord(c.lower()) - 0x61) if _ascii_letter(c) else None)


def parenthesised(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: chr(0x249C + ord(c.lower()) - 0x61) if _ascii_letter(c) else None)


def regional(w: str, r: random.Random) -> str:
    return "".join(chr(0x1F1E6 + ord(c.lower()) - 0x61) if _ascii_letter(c) else c for c in w)


def confusable(w: str, r: random.Random) -> str:
    def sub(c: str) -> str | None:
        key = fold_char(c)
        return r.choice(LOOKALIKES[key]) if key in LOOKALIKES and c.isascii() else None

    return _per_letter(w, r, sub)


def invisible(w: str, r: random.Random) -> str:
    return "".join(
        c + (r.choice(INVISIBLES) if r.random() < 0.5 and i < len(w) - 1 else "") for i, c in enumerate(w)
    )


def combining(w: str, r: random.Random) -> str:
    return "".join(c + (r.choice(MARKS) if r.random() < 0.5 and c.isalpha() else "") for c in w)


def leet(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: r.choice(LEET_OF[c.lower()]) if c.lower() in LEET_OF else None)


def separators(w: str, r: random.Random) -> str:
    return r.choice(SEPARATORS).join(w)


def stretched(w: str, r: random.Random) -> str:
    return "".join(c * (r.randint(2, 5) if r.random() < 0.4 else 1) for c in w)


def html_entity(w: str, r: random.Random) -> str:
    def sub(c: str) -> str | None:
        if not c.isascii():
            return None
        return f"&#{ord(c)};" if r.random() < 0.5 else f"&#x{ord(c):x};"

    return _per_letter(w, r, sub, share=0.4)


def percent(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: "".join(f"%{b:02X}" for b in c.encode()), share=0.4)


def nfkc_compat(w: str, r: random.Random) -> str:
    # superscript / modifier letters that NFKC folds (ᵃ ᵇ ...), where they exist
    def sub(c: str) -> str | None:
        for cand in ("MODIFIER LETTER SMALL " + c.upper(), "MODIFIER LETTER CAPITAL " + c.upper()):
            try:
                return unicodedata.lookup(cand)
            except KeyError:
                continue
        return None

    return _per_letter(w, r, sub)


SINGLE_CLASSES: dict[str, Callable[[str, random.Random], str]] = {
    "case": case,
    "fullwidth": fullwidth,
    "math_alphanumeric": math_alnum,
    "circled": circled,
    "parenthesised": parenthesised,
    "regional_indicator": regional,
    "confusable": confusable,
    "invisible": invisible,
    "combining": combining,
    "leet": leet,
    "separators": separators,
    "stretched": stretched,
    "html_entity": html_entity,
    "percent_encoding": percent,
    "compatibility": nfkc_compat,
}
# order in which combined transforms are applied: substitutions, then stretching and marks, then insertions
COMBINE_ORDER = [
    "case", "leet", "confusable", "fullwidth", "math_alphanumeric", "circled", "compatibility", "stretched",
    "combining", "invisible", "separators",
]  # fmt: skip


def combined(w: str, r: random.Random, k: int = 3) -> tuple[str, tuple[str, ...]]:
    chosen = sorted(r.sample(COMBINE_ORDER, k), key=COMBINE_ORDER.index)
    for name in chosen:
        w = SINGLE_CLASSES[name](w, r)
    return w, tuple(chosen)


def reversed_text(w: str, r: random.Random) -> str:
    return w[::-1]


def concatenated(w: str, r: random.Random) -> str:
    cap = w[0].upper() + w[1:]
    forms = [
        f"ILove{cap}Pics", f"{w}lovers", f"the{w}club", f"{cap}2024", f"xx_{w}_xx", f"{w}official",
        f"real{w}99", f"{cap}Daily", f"my{w}life", f"{w}{w[:3]}",
    ]  # fmt: skip
    return r.choice(forms)


# --- forms people write inside free text, emoji code words and multi-character look-alikes ---

TAG_FORMS = [
    "#best{w}", "#{C}Love", "#{w}", "@the_{w}_shop", "@{w}official", "linktr.ee/{w}daily",
    "example.org/best{w}", "https://example.org/p/{C}Club", "www.example.org/{w}", "#I{C}", "＃{w}life",
]  # fmt: skip


def tag_in_text(w: str, r: random.Random) -> str:
    """A hashtag, mention or link holding the term concatenated, as written inside a bio or a post."""
    return r.choice(TAG_FORMS).format(w=w, C=w[0].upper() + w[1:])


# Invented emoji code words: neutral pictographs only (parrot, balloon, cactus, kite, ...).
PICTOGRAPHS = [
    "\U0001f99c", "\U0001f388", "\U0001f335", "\U0001fa81", "\U0001f34b", "\U0001f9e9", "\U0001f3b2",
    "\U0001fab4", "\U0001f422", "\U0001f994", "\U0001f33b", "\U0001f3bb", "\u2602", "\u2615", "\u26f5",
]  # fmt: skip
SKIN_TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]
EMOJI_SEPARATORS = [" ", "  ", ".", " - ", "_", "\u200d", " \u200d ", ",", "/"]


def emoji_terms(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.sample(PICTOGRAPHS, rng.randint(1, 3))))
    return sorted(out)


def _pictos(term: str) -> list[str]:
    return [c for c in term if c not in "\ufe0e\ufe0f\u200d"]


def emoji_variation(w: str, r: random.Random) -> str:
    """Emoji or text presentation selector after some pictographs."""
    return "".join(p + r.choice(["\ufe0f", "\ufe0e", ""]) for p in _pictos(w))


def emoji_skin_tone(w: str, r: random.Random) -> str:
    return "".join(p + (r.choice(SKIN_TONES) if r.random() < 0.7 else "") for p in _pictos(w))


def emoji_zwj(w: str, r: random.Random) -> str:
    return "\u200d".join(_pictos(w)) + ("\u200d" if r.random() < 0.3 else "")


def emoji_separators(w: str, r: random.Random) -> str:
    return r.choice(EMOJI_SEPARATORS).join(_pictos(w))


def emoji_combined(w: str, r: random.Random) -> str:
    parts = [p + r.choice(["\ufe0f", "", r.choice(SKIN_TONES)]) for p in _pictos(w)]
    return r.choice(EMOJI_SEPARATORS).join(parts)


def emoji_in_word(w: str, r: random.Random) -> str:
    return r.choice(["x{}y", "dm{}", "{}menu", "abc{}def"]).format(w)


EMOJI_CLASSES: dict[str, Callable[[str, random.Random], str]] = {
    "plain": lambda w, r: w,
    "variation_selector": emoji_variation,
    "skin_tone": emoji_skin_tone,
    "zwj": emoji_zwj,
    "separators": emoji_separators,
    "combined": emoji_combined,
    "inside_word": emoji_in_word,
}
# Multi-character look-alikes, drawn where the term has the letter.
LETTER_ART = {"m": "rn", "w": "vv", "d": "cl", "k": "|<"}


def lookalike_sequence(w: str, r: random.Random) -> str:
    return _per_letter(w, r, lambda c: LETTER_ART.get(c), share=0.5)
