"""Each evasion class on a hand-written example, the offset map, and fast/tracked rendering agreement."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.terms.evasions import mixed_script_tokens
from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher
from bastion.terms.normalize import canonical, render, render_tracked
from bastion.terms.views import FieldKind

LEX = Lexicon.of("t", [("bluefinch", "cat_a", 4), ("marblecrow", "cat_a", 3), ("tidelamp", "cat_b", 2)])
M = Matcher([LEX])

CASES = [
    ("case", "I saw bLuEfInCh", FieldKind.TEXT),
    ("fullwidth", "ｂｌｕｅｆｉｎｃｈ now", FieldKind.TEXT),
    ("math_alphanumeric", "𝐛𝐥𝐮𝐞𝐟𝐢𝐧𝐜𝐡", FieldKind.TEXT),
    ("enclosed", "ⓑⓛⓤⓔⓕⓘⓝⓒⓗ", FieldKind.TEXT),
    ("enclosed", "⒝⒧⒰⒠⒡⒤⒩⒞⒣", FieldKind.TEXT),
    ("regional_indicator", "🇧🇱🇺🇪🇫🇮🇳🇨🇭", FieldKind.TEXT),
    ("confusable", "bluеfinсh", FieldKind.TEXT),  # Cyrillic е and с
    ("confusable", "tіdеlаmр", FieldKind.TEXT),  # Cyrillic і е а р
    ("confusable", "mαrblecrοw", FieldKind.TEXT),  # Greek α ο
    ("mixed_script", "bluеfinсh", FieldKind.TEXT),
    ("invisible", "blue\u200bfi\u200dnch", FieldKind.TEXT),
    ("combining", "bl̶ú̈efinch", FieldKind.TEXT),
    ("leet", "b1u3f!nch", FieldKind.TEXT),
    ("leet", "m@rb|ecr0w", FieldKind.TEXT),
    ("separators", "b.l.u.e.f.i.n.c.h", FieldKind.TEXT),
    ("separators", "t - i - d - e - l - a - m - p", FieldKind.TEXT),
    ("stretched", "bluuuuuefiiinch", FieldKind.TEXT),
    ("reversed", "hcnifeulb", FieldKind.HASHTAG),
    ("concatenation", "ilovebluefinchpics", FieldKind.HASHTAG),
    ("camelcase", "ILoveTideLampDaily", FieldKind.HASHTAG),
    ("html_entity", "blue&#102;inch", FieldKind.TEXT),
    ("percent_encoding", "%62luefinch", FieldKind.QUERY),
    ("compatibility", "ᵇˡᵘᵉfinch", FieldKind.TEXT),
]


@pytest.mark.parametrize(("evasion", "text", "field"), CASES)
def test_each_evasion_class_matches_and_is_reported(evasion: str, text: str, field: FieldKind) -> None:
    matches = M.match(text, field)
    assert matches, text
    m = matches[0]
    assert evasion in m.evasions, (text, m.evasions)
    assert 0 <= m.start < m.end <= len(text)


def test_span_is_in_the_original_text() -> None:
    text = "hello there, b.l.u.e.f.i.n.c.h and more"
    [m] = M.match(text)
    assert text[m.start : m.end] == "b.l.u.e.f.i.n.c.h"
    text = "x ｂｌｕｅ\u200bｆｉｎｃｈ!!"
    [m] = M.match(text)
    assert text[m.start : m.end] == "ｂｌｕｅ\u200bｆｉｎｃｈ"


def test_plain_text_reports_no_evasion() -> None:
    [m] = M.match("my bluefinch photo")
    assert m.evasions == ()
    assert (m.term, m.category, m.severity.name) == ("bluefinch", "cat_a", "CRITICAL")


def test_token_boundary_after_digits_and_punctuation() -> None:
    lex = Lexicon.of("s", [("tid", "cat_b", 2)])
    m = Matcher([lex])
    assert m.match("tid2024") and m.match("tid!") and m.match("(tid)")
    assert not m.match("tidal tidy")


def test_mixed_script_tokens() -> None:
    assert mixed_script_tokens("plain words and bluеfinсh here") == ["bluеfinсh"]
    assert mixed_script_tokens("обычный текст and text") == []


def test_native_cyrillic_and_greek_stay_unmatched() -> None:
    assert not M.match("Мы пошли в парк и увидели птицу")
    assert not M.match("Είδαμε ένα πουλί στο πάρκο")


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from([*"abcLIo01 .-_!@%&#;|<ABZ\u200bｂ𝐛ⓑаеς\u0301🇧🔥🦜\ufe0f", "\U0001f3fd"]),
        max_size=30,
    ),
    st.booleans(),
    st.booleans(),
)
def test_tracked_rendering_equals_fast_rendering(text: str, leet: bool, camel: bool) -> None:
    tracked = render_tracked(text, leet=leet, camel=camel)
    assert tracked.text == render(text, leet=leet, camel=camel)
    for s, e in zip(tracked.starts, tracked.ends, strict=True):
        assert 0 <= s <= e <= len(text)


def test_vectorised_term_keys_equal_canonical() -> None:
    from bastion.terms.keys import canonical_many

    terms = [
        "bluefinch", " Blue Finch ", "b l u e", "b\U0001f525l\U0001f525u\U0001f525e", "\U0001f99c \U0001f388",
        "tid&#97;l", "%62lue", "|<ep", "ｂｌｕｅ", "x  y", "bluuue", "", "   ", "a\U0001f3fd",
    ]  # fmt: skip
    assert canonical_many(terms).keys == [canonical(t) for t in terms]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"ab&#;%2x6F0", "&amp;", "%41", "&#x1F99C;", "%F0%9F"]), max_size=12))
def test_batch_decoding_equals_tracked_decoding(pieces: list[str]) -> None:
    from bastion.terms.normalize import decode, decode_tracked

    text = "".join(pieces)
    assert decode(text) == decode_tracked(text).text
