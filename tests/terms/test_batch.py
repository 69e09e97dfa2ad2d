from __future__ import annotations

import random

from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher
from bastion.terms.views import FieldKind

from .obfuscate import SINGLE_CLASSES


def test_match_many_equals_match(terms: list[str], matcher: Matcher) -> None:
    rng = random.Random(4)
    texts = []
    for i in range(600):
        words = ["some", "plain", "words", "a", "b", "c", "I", "2024", "x!", "тест"]
        t = " ".join(rng.choices(words, k=rng.randint(0, 6)))
        if i % 3 == 0:
            cls = rng.choice(sorted(SINGLE_CLASSES))
            t += " " + SINGLE_CLASSES[cls](rng.choice(terms), rng)
        texts.append(t)
    texts += ["", " ", "a b c d", "&amp;", "%41"]
    for field in (FieldKind.TEXT, FieldKind.HASHTAG):
        assert matcher.match_many(texts, field) == [matcher.match(t, field) for t in texts]


def test_match_many_with_regex_and_multiword_terms() -> None:
    lex = Lexicon.of("r", [("blue finch", "cat_a", 3)])
    m = Matcher([lex])
    texts = ["a blue  finch", "blue-finch", "nothing"]
    assert m.match_many(texts) == [m.match(t) for t in texts]
    assert m.match_many(texts)[0]
