from __future__ import annotations

import random

import pytest

from bastion.terms.lexicon import Lexicon, Severity, Term
from bastion.terms.matcher import Matcher

from .obfuscate import invented_terms


@pytest.fixture(scope="session")
def terms() -> list[str]:
    return invented_terms(150, random.Random(11))


@pytest.fixture(scope="session")
def matcher(terms: list[str]) -> Matcher:
    lex = Lexicon("test", tuple(Term(t, "cat_a", Severity.HIGH, lexicon="test") for t in terms))
    return Matcher([lex])
