"""Ban evasion: comparing names, links and bios the way re-created accounts vary them.

A seller who comes back keeps what customers recognise but rarely copies it exactly: a name variant
("name_", "name2", a changed last character, "real"/"the"/"official" in front), the same link hub under a
new path, the same bio words in another order. These helpers compare on what survives those edits.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

_LEET = str.maketrans({"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t", "@": "a", "$": "s"})
_NON_ALNUM = re.compile(r"[^a-z0-9@$]+")
#: a leet character inside a word (letters on both sides, or starting one); real numbers stay numbers
_LEET_INSIDE = re.compile(r"(?:(?<=[a-z])|^)[013457@$](?=[a-z])")
_WORD = re.compile(r"[^\W_]+(?:[@$0-9][^\W_]+)*|[@$]\w+")
#: words put in front of or after a name to keep it while making it new
AFFIXES = ("official", "real", "the", "its", "iam", "backup", "new", "again", "main")


@lru_cache(maxsize=1 << 16)
def fold_name(text: str) -> str:
    """Lower-case, compatibility-folded, leetspeak inside words undone, separators dropped:
    'Sunny.0tter_12' -> 'sunnyotter12'."""
    text = _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text or "").casefold())
    return _LEET_INSIDE.sub(lambda m: m.group(0).translate(_LEET), text)


@lru_cache(maxsize=1 << 16)
def core_name(folded: str) -> str:
    """A folded name without the affix words added to make it new ('realsunnyotter12' -> 'sunnyotter12');
    a name that is nothing but affixes stays as it is."""
    out = folded
    changed = True
    while changed:
        changed = False
        for a in AFFIXES:
            if out.startswith(a) and len(out) - len(a) >= 4:
                out, changed = out[len(a) :], True
            if out.endswith(a) and len(out) - len(a) >= 4:
                out, changed = out[: -len(a)], True
    return out


def trigrams(text: str) -> set[str]:
    padded = f"^{text}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _folded_similarity(fa: str, fb: str) -> float:
    if fa == fb:
        return 1.0
    ta, tb = trigrams(fa), trigrams(fb)
    dice = 2 * len(ta & tb) / (len(ta) + len(tb))
    return max(dice, Levenshtein.normalized_similarity(fa, fb))


def name_similarity(a: str, b: str) -> float:
    """The larger of trigram Dice and 1 - normalised edit distance, on folded names and on their cores
    (affix words removed, a small discount for the removal); 0 for empty names."""
    fa, fb = fold_name(a), fold_name(b)
    if not fa or not fb:
        return 0.0
    plain = _folded_similarity(fa, fb)
    ca, cb = core_name(fa), core_name(fb)
    if (ca, cb) == (fa, fb):
        return plain
    return max(plain, 0.95 * _folded_similarity(ca, cb))


@lru_cache(maxsize=1 << 16)
def normalise_link(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^[a-z]+://", "", url)
    url = url.removeprefix("www.")
    return url.rstrip("/")


def link_domain(link: str) -> str:
    return normalise_link(link).split("/", 1)[0]


def link_path(link: str) -> str:
    parts = normalise_link(link).split("/", 1)
    return parts[1] if len(parts) == 2 else ""


def bio_tokens(text: str) -> frozenset[str]:
    """The bio as a set of folded words (order is what a shuffled bio changes, so it is dropped)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())
    return frozenset(f for w in words if len(f := fold_name(w)) >= 2)


def idf(count: int, total: int) -> float:
    """Inverse document frequency: a token (or follower) seen everywhere weighs almost nothing."""
    return math.log((total + 1) / (count + 1))


def weighted_jaccard(
    a: Iterable[str], b: Iterable[str], weight: Mapping[str, float], default: float
) -> float:
    """Jaccard of two token sets, each token weighted by its rarity."""
    sa, sb = set(a), set(b)
    union = sum(weight.get(t, default) for t in sa | sb)
    return sum(weight.get(t, default) for t in sa & sb) / union if union > 0 else 0.0
