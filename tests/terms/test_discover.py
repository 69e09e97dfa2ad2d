"""Planted rotated variants must rank in the top 10, ahead of popular benign tags."""

from __future__ import annotations

import random

from bastion.terms.discover import Context, discover
from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher

KNOWN = ["bluefinch", "marblecrow"]
PLANTED = ["finchblu", "bfnch", "crowmarb", "vel0rin", "nightkestrel"]
POPULAR = ["sunset", "food", "travel", "music", "love", "photooftheday", "summer", "friends"]
NICHE = [f"tag{i}" for i in range(300)]


def _contexts(rng: random.Random) -> list[Context]:
    ctxs = []
    for i in range(3000):  # benign posts
        tags = set(rng.sample(POPULAR, rng.randint(1, 3))) | set(rng.sample(NICHE, rng.randint(0, 2)))
        ctxs.append(Context(f"p{i}", "post", frozenset(tags)))
    for i in range(120):  # network posts: a known term plus rotated variants and popular cover tags
        tags = {rng.choice(KNOWN)} | set(rng.sample(PLANTED, 2)) | set(rng.sample(POPULAR, 2))
        ctxs.append(Context(f"n{i}", "post", frozenset(tags)))
    for i in range(60):  # network sessions: variants searched without a known term
        ctxs.append(Context(f"s{i}", "session", frozenset(rng.sample(PLANTED, 2))))
    for i in range(40):  # search sessions that include a known term
        ctxs.append(
            Context(f"q{i}", "session", frozenset({rng.choice(KNOWN), rng.choice(PLANTED), "weather"}))
        )
    return ctxs


def test_planted_variants_rank_top_ahead_of_popular() -> None:
    matcher = Matcher([Lexicon.of("k", [(t, "cat_a", 4) for t in KNOWN])])
    cands = discover(_contexts(random.Random(1)), matcher)
    top = [c.item for c in cands[:10]]
    assert set(PLANTED) <= set(top), top
    last_planted = max(top.index(p) for p in PLANTED)
    for tag in POPULAR:
        keys = [c.item for c in cands]
        assert tag not in keys or keys.index(tag) > last_planted
    first = cands[0]
    assert first.support >= 3 and first.lift > 1 and first.examples
    assert set(first.examples[0].known) <= set(KNOWN)


def test_rejections_are_remembered_and_known_terms_not_proposed() -> None:
    matcher = Matcher([Lexicon.of("k", [(t, "cat_a", 4) for t in KNOWN])])
    cands = discover(_contexts(random.Random(2)), matcher, rejected={"FinchBlu", "bfnch"})
    items = {c.item for c in cands}
    assert "finchblu" not in items and "bfnch" not in items
    assert "crowmarb" in items
    assert not items & set(KNOWN)
