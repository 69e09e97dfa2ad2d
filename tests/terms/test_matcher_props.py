"""The matcher on terms hypothesis writes: letters of many scripts, digits, punctuation, symbols, spaces.

Whatever a lexicon holds, the matcher compiles, and each term it keeps is found in its own text, alone and
inside a sentence (a term with spaces, whose letters without them were too few for look-alike variants,
had stopped the compile with a ValueError: its group of variants was left empty). Derandomised.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher
from support.fuzzing import fuzz

words = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Ll", "Lu", "Nd", "Zs", "Po", "So"]),
    min_size=1,
    max_size=12,
)


@fuzz(300)
@given(st.lists(words, min_size=1, max_size=5, unique=True))
def test_every_term_kept_is_found_in_its_own_text(terms: list[str]) -> None:
    matcher = Matcher([Lexicon.of("x", [(w, "trade", 3) for w in terms])])
    for term in matcher.terms:
        for text in (term.text, f"hello {term.text} world"):
            assert term.text in {m.term for m in matcher.match(text)}, text


def test_a_spaced_term_too_short_for_variants_compiles() -> None:
    matcher = Matcher([Lexicon.of("x", [("æ/'*𝕎ï", "trade", 3)])])  # "ae wi" once folded
    assert [m.term for m in matcher.match("æ/'*𝕎ï")] == ["æ/'*𝕎ï"]
