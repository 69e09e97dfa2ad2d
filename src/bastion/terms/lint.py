"""Lexicon lint: warn when a term, or a view of it the matcher will use, collides with ordinary words.

Why at import: a term whose skeleton equals a common word (``l`` and ``i`` share one letter, leetspeak digits
become letters, doubled letters are squeezed) floods the review queue; the operator should see that before the
list goes live, with the words it collides with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from bastion.core.errors import ConfigError
from bastion.terms.emoji import has_pictograph
from bastion.terms.lexicon import Lexicon, MatchMode
from bastion.terms.lookalikes import letter_variants
from bastion.terms.matcher import MIN_SUBSTRING_LEN
from bastion.terms.normalize import canonical


@dataclass(frozen=True, slots=True)
class LintWarning:
    lexicon: str
    line: int | None
    term: str
    message: str
    words: tuple[str, ...] = ()


def default_dictionary(n: int = 50_000, languages: Iterable[str] = ("en",)) -> list[str]:
    """Common words from the ``wordfreq`` package (an optional dependency, needed only for lint)."""
    try:
        from wordfreq import top_n_list
    except ImportError as exc:
        raise ConfigError("lexicon lint needs the 'wordfreq' package: pip install wordfreq") from exc
    words: list[str] = []
    for lang in languages:
        words.extend(top_n_list(lang, n))
    return words


def lint(lexicon: Lexicon, dictionary: Iterable[str], *, examples: int = 5) -> list[LintWarning]:
    warnings: list[LintWarning] = []
    by_key: dict[str, list[str]] = {}
    for word in dictionary:
        key = canonical(word)
        if key:
            by_key.setdefault(key, []).append(word)
    inside = ahocorasick.Automaton()
    long_terms: dict[str, list[int]] = {}
    for idx, term in enumerate(lexicon.terms):
        if term.match is MatchMode.REGEX:
            continue
        key = canonical(term.text)
        if not key:
            warnings.append(
                LintWarning(lexicon.name, term.line, term.text, "term has no letters after folding")
            )
            continue
        pictographic = has_pictograph(key)
        if len(key) < 3 and not pictographic:
            warnings.append(
                LintWarning(
                    lexicon.name, term.line, term.text, f"very short skeleton {key!r}: token matches only"
                )
            )
        forms = [(key, "skeleton")]
        if not pictographic:
            forms.append((key[::-1], "reversed skeleton"))
            forms.extend((v, "look-alike spelling") for v in letter_variants(key))
        for form, label in forms:
            if label.startswith("reversed") and len(key) < MIN_SUBSTRING_LEN:
                continue
            hits = by_key.get(form)
            if hits:
                warnings.append(
                    LintWarning(
                        lexicon.name,
                        term.line,
                        term.text,
                        f"{label} {form!r} equals the skeleton of ordinary words",
                        tuple(hits[:examples]),
                    )
                )
        if term.match is MatchMode.SUBSTRING or len(key.replace(" ", "")) >= MIN_SUBSTRING_LEN:
            long_terms.setdefault(key.replace(" ", ""), []).append(idx)
    for key in long_terms:
        inside.add_word(key, key)
    if long_terms:
        inside.make_automaton()
        contained: dict[str, list[str]] = {}
        for wkey, words in by_key.items():
            for _, key in inside.iter(wkey):
                if key != wkey:
                    contained.setdefault(key, []).extend(words)
        for key, words in contained.items():
            for idx in long_terms[key]:
                term = lexicon.terms[idx]
                warnings.append(
                    LintWarning(
                        lexicon.name,
                        term.line,
                        term.text,
                        f"occurs inside {len(words)} ordinary words (matters in hashtags and usernames)",
                        tuple(words[:examples]),
                    )
                )
    return warnings
