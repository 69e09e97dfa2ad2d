"""Recall per evasion class in every field kind, tags written inside free text, emoji code words and
multi-character look-alikes (target: >= 99% each)."""

from __future__ import annotations

import random
import zlib

import pytest

from bastion.terms.guard import Action, GuardPolicy, SearchGuard, Viewer
from bastion.terms.lexicon import Lexicon, Severity, Term
from bastion.terms.matcher import Matcher
from bastion.terms.views import FieldKind

from .obfuscate import (
    EMOJI_CLASSES,
    LETTER_ART,
    SINGLE_CLASSES,
    concatenated,
    emoji_terms,
    lookalike_sequence,
    reversed_text,
    tag_in_text,
)

PROSE = ["we talked about {} yesterday", "{}", "new post: {} (link in bio)", "is {} here?"]
FIELDS = list(FieldKind)
TOKEN_FIELDS = {FieldKind.USERNAME, FieldKind.HASHTAG}


def _seed(*parts: str) -> random.Random:
    return random.Random(zlib.crc32("/".join(parts).encode()))


def _in_field(token: str, field: FieldKind, rng: random.Random) -> str:
    return token if field in TOKEN_FIELDS else rng.choice(PROSE).format(token)


def _recall(matcher: Matcher, cases: list[tuple[str, str]], field: FieldKind) -> tuple[float, list[str]]:
    misses = [text for term, text in cases if not any(m.term == term for m in matcher.match(text, field))]
    return 1 - len(misses) / len(cases), misses


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("cls", sorted(SINGLE_CLASSES))
def test_single_class_recall_in_every_field(
    cls: str, field: FieldKind, terms: list[str], matcher: Matcher
) -> None:
    rng = _seed(cls, field)
    cases = [(t, _in_field(SINGLE_CLASSES[cls](t, rng), field, rng)) for t in terms]
    recall, misses = _recall(matcher, cases, field)
    assert recall >= 0.99, misses[:5]


@pytest.mark.parametrize("field", [FieldKind.TEXT, FieldKind.BIO, FieldKind.DISPLAY_NAME, FieldKind.QUERY])
def test_tags_inside_text_recall(field: FieldKind, terms: list[str], matcher: Matcher) -> None:
    rng = _seed("tags", field)
    cases = [(t, rng.choice(PROSE).format(tag_in_text(t, rng))) for t in terms]
    recall, misses = _recall(matcher, cases, field)
    assert recall >= 0.99, misses[:5]


def test_issue_examples_in_a_bio() -> None:
    m = Matcher([Lexicon.of("x", [("bluefinch", "c", 3)])])
    for bio in (
        "#bestbluefinch",
        "#BluefinchLove",
        "dm me #bestbluefinch",
        "all links: linktr.ee/bestbluefinch",
    ):
        [found] = m.match(bio, FieldKind.BIO)
        assert found.term == "bluefinch" and "bluefinch" in bio[found.start : found.end].lower()
    # the same word glued inside an ordinary word in prose keeps the token policy
    for prose in (
        "bestbluefinch",
        "the bestbluefinch ever",
        "BluefinchLove",
        "mail me@bestbluefinch.example",
    ):
        assert m.match(prose, FieldKind.BIO) == [], prose


def test_short_terms_keep_the_token_policy_inside_tags() -> None:
    m = Matcher([Lexicon.of("x", [("tid", "c", 2)])])
    assert m.match("#TidLove", FieldKind.TEXT)  # a CamelCase word of its own
    assert not m.match("#tidal #outtide", FieldKind.TEXT)  # short terms never match inside a longer token


@pytest.fixture(scope="module")
def emoji_lexicon() -> tuple[list[str], Matcher]:
    words = emoji_terms(120, random.Random(4))
    lex = Lexicon("e", tuple(Term(w, "cat_e", Severity.CRITICAL, lexicon="e") for w in words))
    return words, Matcher([lex])


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("cls", sorted(EMOJI_CLASSES))
def test_emoji_term_recall(cls: str, field: FieldKind, emoji_lexicon: tuple[list[str], Matcher]) -> None:
    words, matcher = emoji_lexicon
    rng = _seed("emoji", cls, field)
    cases = [(w, _in_field(EMOJI_CLASSES[cls](w, rng), field, rng)) for w in words]
    recall, misses = _recall(matcher, cases, field)
    assert recall >= 0.99, [ascii(x) for x in misses[:5]]


def test_emoji_terms_in_the_issue() -> None:
    parrot_balloon = "\U0001f99c\U0001f388"
    m = Matcher([Lexicon.of("e", [(parrot_balloon, "cat_e", 4), ("\U0001f335\U0001fa81", "cat_e", 4)])])
    assert m.gated  # emoji keys hold no space, so the fast no-match path stays on
    for text in (
        "dm for \U0001f99c\U0001f388 menu",
        "x\U0001f99c\U0001f388y",
        "\U0001f99c\ufe0f \U0001f388\ufe0e",
    ):
        [found] = m.match(text)
        assert found.term == parrot_balloon
        assert text[found.start : found.end].startswith("\U0001f99c")
    assert m.match("\U0001f99c\U0001f3fd\u200d\U0001f388")[0].evasions == ("emoji_variant",)
    assert [
        len(r) for r in m.match_many(["plain", "a \U0001f99c . \U0001f388 b", "\U0001f388\U0001f99c"])
    ] == [0, 1, 0]
    guard = SearchGuard(m, GuardPolicy(block_categories=frozenset({"cat_e"})))
    assert guard.guard_search(parrot_balloon, Viewer("a")).action is Action.BLOCK
    assert guard.guard_search("\U0001f335 \U0001fa81", Viewer("a")).action is Action.BLOCK
    assert guard.guard_search("\U0001f99c alone", Viewer("a")).action is Action.ALLOW


def test_pictographs_bound_letter_terms() -> None:
    m = Matcher([Lexicon.of("x", [("tid", "c", 2)])])
    assert m.match("tid\U0001f525") and m.match("\U0001f525tid\U0001f525")
    assert not m.match("tidal\U0001f525")


@pytest.mark.parametrize("field", FIELDS)
def test_lookalike_sequence_recall(field: FieldKind, terms: list[str], matcher: Matcher) -> None:
    rng = _seed("lookalike", field)
    eligible = [t for t in terms if any(c in LETTER_ART for c in t)]
    assert len(eligible) >= 100
    cases = [(t, _in_field(lookalike_sequence(t, rng), field, rng)) for t in eligible]
    recall, misses = _recall(matcher, cases, field)
    assert recall >= 0.99, misses[:5]


def test_lookalike_examples() -> None:
    m = Matcher([Lexicon.of("x", [("tidelamp", "c", 3), ("kepcrow", "c", 3), ("dam", "c", 3)])])
    for text in ("ticlelarnp", "TICLELARNP", "|<epcrovv", "|<epcrow"):
        found = m.match(text)
        assert found and "lookalike_sequence" in found[0].evasions, text
    assert not m.match("darn it")  # short terms get no letter look-alikes: "darn" is a word
    assert not m.match("#ticlelarnpdaily", FieldKind.HASHTAG)  # letter look-alikes only as whole tokens


@pytest.mark.parametrize("text", ["\U0001f525".join("bluefinch"), "x b \u2728 l \u2728 u e f i n c h"])
def test_pictographs_between_spread_letters_separate_them(text: str) -> None:
    m = Matcher([Lexicon.of("x", [("bluefinch", "c", 3)])])
    assert [x.term for x in m.match(text)] == ["bluefinch"]
    assert [len(r) for r in m.match_many(["plain", text, "a \U0001f525 b \U0001f525 c"])] == [0, 1, 0]


@pytest.mark.parametrize("field", [FieldKind.TEXT, FieldKind.BIO, FieldKind.DISPLAY_NAME])
@pytest.mark.parametrize("form", ["reversed", "concatenated"])
def test_reversed_and_concatenated_as_tags_in_prose(
    form: str, field: FieldKind, terms: list[str], matcher: Matcher
) -> None:
    """Reversal and concatenation are read inside a tag in prose, and only there."""
    rng = _seed(form, field)
    make = reversed_text if form == "reversed" else concatenated
    tokens = [(t, make(t, rng)) for t in terms]
    recall, misses = _recall(matcher, [(t, rng.choice(PROSE).format(f"#{x}")) for t, x in tokens], field)
    assert recall >= 0.99, misses[:5]
    # without the sigil, a token glued of lower-case letters keeps the token policy
    glued = [(t, f"we talked about {x} yesterday") for t, x in tokens if x.isalpha() and x.islower()]
    assert len(glued) >= 50 and _recall(matcher, glued, field)[0] == 0


def test_long_texts_and_batches_with_pictographs_take_the_same_decisions() -> None:
    """Long texts find pictographs with a numpy lookup instead of a regex; both paths must agree."""
    m = Matcher([Lexicon.of("x", [("bluefinch", "c", 3), ("\U0001f99c\U0001f388", "c", 4)])])
    filler = "обычный текст \U0001f600 про погоду " * 40  # > 512 characters, everyday emoji included
    texts = [
        filler,
        filler + "\U0001f99c . \U0001f388",
        filler + "\U0001f525".join("bluefinch"),
        filler + "\U0001f388 \U0001f99c",
    ]
    assert [[x.term for x in m.match(t)] for t in texts] == [[], ["\U0001f99c\U0001f388"], ["bluefinch"], []]
    assert [len(r) for r in m.match_many(texts)] == [0, 1, 1, 0]
