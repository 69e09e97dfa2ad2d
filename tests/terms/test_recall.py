"""Obfuscation recall on a generated set: every evasion class alone, three combined, and concatenations."""

from __future__ import annotations

import random

import pytest

from bastion.terms.matcher import Matcher
from bastion.terms.views import FieldKind

from .obfuscate import SINGLE_CLASSES, combined, concatenated, reversed_text

CONTEXTS = ["we talked about {} yesterday", "{}", "new post: {} (link in bio)", "is {} here?"]


def _found(matcher: Matcher, term: str, text: str, field: FieldKind) -> bool:
    return any(m.term == term for m in matcher.match(text, field))


@pytest.mark.parametrize("cls", sorted(SINGLE_CLASSES))
def test_single_class_recall(cls: str, terms: list[str], matcher: Matcher) -> None:
    rng = random.Random(hash(cls) % 1000)
    transform = SINGLE_CLASSES[cls]
    misses = []
    for term in terms:
        text = rng.choice(CONTEXTS).format(transform(term, rng))
        if not _found(matcher, term, text, FieldKind.TEXT):
            misses.append(text)
    recall = 1 - len(misses) / len(terms)
    print(f"recall[{cls}] = {recall:.3f}")
    assert recall >= 0.99, misses[:5]


def test_three_combined_recall(terms: list[str], matcher: Matcher) -> None:
    rng = random.Random(3)
    misses = []
    total = 0
    for _ in range(3):
        for term in terms:
            obf, chosen = combined(term, rng)
            total += 1
            if not _found(matcher, term, rng.choice(CONTEXTS).format(obf), FieldKind.TEXT):
                misses.append((chosen, obf))
    recall = 1 - len(misses) / total
    print(f"recall[three combined] = {recall:.3f}")
    assert recall >= 0.95, misses[:10]


@pytest.mark.parametrize("field", [FieldKind.HASHTAG, FieldKind.USERNAME])
def test_concatenation_recall(field: FieldKind, terms: list[str], matcher: Matcher) -> None:
    rng = random.Random(5)
    long_terms = [t for t in terms if len(t) >= 6]
    misses = [c for t in long_terms if not _found(matcher, t, c := concatenated(t, rng), field)]
    recall = 1 - len(misses) / len(long_terms)
    print(f"recall[concatenated {field}] = {recall:.3f}")
    assert recall >= 0.90, misses[:5]


def test_reversed_recall_in_hashtags(terms: list[str], matcher: Matcher) -> None:
    rng = random.Random(9)
    misses = [t for t in terms if not _found(matcher, t, reversed_text(t, rng), FieldKind.HASHTAG)]
    assert 1 - len(misses) / len(terms) >= 0.99, misses[:5]


def test_reversed_not_read_in_prose(terms: list[str], matcher: Matcher) -> None:
    assert not matcher.match(f"we talked about {terms[0][::-1]} yesterday", FieldKind.TEXT)
