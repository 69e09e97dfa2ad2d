"""Spans stop at CamelCase word edges even where squeezing merged the letters on both sides."""

from __future__ import annotations

import pytest

from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher
from bastion.terms.normalize import render, render_tracked
from bastion.terms.views import FieldKind

M = Matcher([Lexicon.of("x", [("tidelamp", "c", 3), ("sorrelkite", "c", 3)])])


@pytest.mark.parametrize(
    ("text", "span", "stretched"),
    [
        ("TideLampPics", "TideLamp", False),  # ends on a p merged with the next word's P
        ("TideLampPPics", "TideLamp", False),
        ("TideLampppPics", "TideLamppp", True),  # stretched letters before the edge stay in the span
        ("PicsSorrelkite", "Sorrelkite", False),  # starts on an s merged with the previous word's s
        ("tidelampppp", "tidelampppp", True),
    ],
)
def test_span_at_merged_camel_boundary(text: str, span: str, stretched: bool) -> None:
    found = M.match(text, FieldKind.HASHTAG)
    assert [text[m.start : m.end] for m in found] == [span]
    assert ("stretched" in found[0].evasions) is stretched
    assert "case" not in found[0].evasions


def test_tracked_render_still_equals_render() -> None:
    for text in ("TideLampPics", "AaAa", "b.l.u.e", "SSoS"):
        assert render_tracked(text).text == render(text)


@pytest.mark.parametrize(
    "text", ["b1l1u1e1f1i1n1c1h", "see b!l!u!e!f!i!n!c!h now", "b 1 l 1 u 1 e f i n c h"]
)
def test_letters_spread_by_leet_characters_pass_the_gate(text: str) -> None:
    """Digits and symbols used as separators are letters in the leetspeak view, so gating on that view alone
    would miss these; both the single and the batch path must find them."""
    m = Matcher([Lexicon.of("x", [("bluefinch", "c", 3)])])
    assert m.gated
    assert [x.term for x in m.match(text)] == ["bluefinch"]
    batch = ["x", "a 1 b 2 c", text, "plain words"]
    assert [len(r) for r in m.match_many(batch)] == [0, 0, 1, 0]
