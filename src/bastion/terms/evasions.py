"""Naming the evasions seen in a matched span: each one is a signal in itself (people who write a term in
mathematical letters with zero-width joiners are hiding it on purpose), and so is a token mixing scripts."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from bastion.terms.emoji import SKIN_TONES, has_pictograph
from bastion.terms.fold import INVISIBLE, LEET, LEET_SYMBOLS, fold_char
from bastion.terms.lookalikes import ART_RE

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN", "HEBREW", "ARABIC")

EVASION_CLASSES = (
    "case", "fullwidth", "math_alphanumeric", "enclosed", "regional_indicator", "compatibility", "confusable",
    "mixed_script", "invisible", "combining", "leet", "separators", "stretched", "reversed", "camelcase",
    "concatenation", "html_entity", "percent_encoding", "lookalike_sequence", "emoji_variant",
)  # fmt: skip
# What decorates a pictograph without changing it: presentation selectors, joiners, skin tones, keycaps.
_EMOJI_DECORATION = frozenset("\ufe0e\ufe0f\u200d\u20e3") | SKIN_TONES


@functools.cache
def char_class(ch: str) -> str | None:
    """The character-level evasion a non-plain character belongs to, if any."""
    if ch.isascii():
        if ch in LEET or ch in LEET_SYMBOLS:
            return "leet"
        return None
    cp = ord(ch)
    cat = unicodedata.category(ch)
    if ch in INVISIBLE or cat == "Cf" or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return "invisible"
    if cat in ("Mn", "Me"):
        return "combining"
    if 0xFF00 <= cp <= 0xFFEF:
        return "fullwidth"
    if 0x1D400 <= cp <= 0x1D7FF:
        return "math_alphanumeric"
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return "regional_indicator"
    if 0x2460 <= cp <= 0x24FF or 0x3200 <= cp <= 0x32FF or 0x1F100 <= cp <= 0x1F1FF or 0x2776 <= cp <= 0x2793:
        return "enclosed"
    folded = fold_char(ch)
    if not folded.isascii() or not folded.strip():
        return None
    if unicodedata.normalize("NFKC", ch) != ch:
        return "compatibility"
    return "confusable"


@functools.cache
def script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    for script in _SCRIPTS:
        if script in name:
            return script
    return None


def mixed_script(token: str) -> bool:
    """True when one word mixes letters of several scripts (Latin with Cyrillic look-alikes, say)."""
    scripts = {s for s in map(script_of, token) if s is not None}
    return len(scripts) > 1


def mixed_script_tokens(text: str) -> list[str]:
    return [tok for tok in text.split() if mixed_script(tok)]


def _case_evasion(span: str) -> bool:
    """Upper case that is neither Title nor CamelCase: every capital must start a run of 3+ letters."""
    letters = "".join(c for c in span if c.isascii() and c.isalpha())
    if letters.islower() or not letters:
        return False
    segments = re.findall(r"[A-Z][a-z]*", letters)
    return any(len(seg) < 3 for seg in segments)


def classify(
    original: str,
    start: int,
    end: int,
    *,
    leet_view: bool,
    reversed_form: bool,
    concatenated: bool,
    term_folded: str,
    lookalike: bool = False,
) -> tuple[str, ...]:
    """Evasions visible in ``original[start:end]``, which matched a term whose unsqueezed skeleton is
    ``term_folded``."""
    raw = original[start:end]
    seen: set[str] = set()
    if _ENTITY.search(raw):
        seen.add("html_entity")
    if _PERCENT.search(raw):
        seen.add("percent_encoding")
    span = _PERCENT.sub("", _ENTITY.sub("", raw))
    if lookalike or ART_RE.search(span):
        seen.add("lookalike_sequence")
        span = ART_RE.sub("", span)
    emoji = has_pictograph(span)
    for ch in span:
        if emoji and ch in _EMOJI_DECORATION:
            seen.add("emoji_variant")
            continue
        cls = char_class(ch)
        if cls is not None and (cls != "leet" or leet_view):
            seen.add(cls)
    if _case_evasion(span):
        seen.add("case")
    if mixed_script(span):
        seen.add("mixed_script")
    folded = "".join(fold_char(c, leet_view) for c in span)
    if len(folded.split()) > len(term_folded.split()):
        seen.add("separators")
    letters = folded.replace(" ", "")
    if (
        len(letters) > len(term_folded.replace(" ", ""))
        and "html_entity" not in seen
        and "percent_encoding" not in seen
        and "lookalike_sequence" not in seen
    ):
        seen.add("stretched")
    if reversed_form:
        seen.add("reversed")
    if any(a.islower() and b.isupper() for a, b in itertools.pairwise(span)) and "case" not in seen:
        seen.add("camelcase")
    if concatenated:
        seen.add("concatenation")
    return tuple(c for c in EVASION_CLASSES if c in seen)
