"""Variant discovery: hashtags and queries that keep company with known matches, ranked by lift.

Networks rotate hashtags when one is blocked; the new tag appears on the same posts, accounts and search
sessions as the old ones. An item's lift is how much more often it occurs in contexts holding a known match
than in contexts at large; the m-estimate below pulls rarely seen items toward a lift of 1 so that three
chance co-occurrences do not outrank a tag seen forty times, and popular benign tags sit near 1 by
construction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bastion.terms.matcher import Matcher
from bastion.terms.normalize import canonical
from bastion.terms.views import FieldKind


@dataclass(frozen=True, slots=True)
class Context:
    """Items seen together: the hashtags of one post, the tags and queries of one account or one session."""

    id: str
    kind: str  # "post", "account", "session"
    items: frozenset[str]


@dataclass(frozen=True, slots=True)
class Example:
    context_id: str
    kind: str
    known: tuple[str, ...]  # lexicon terms matched in the same context


@dataclass(frozen=True, slots=True)
class Candidate:
    item: str  # most frequent spelling
    key: str  # skeleton; rejections are remembered by it
    score: float  # smoothed lift, the ranking key
    lift: float  # raw lift
    support: int  # contexts holding it and a known match
    background: int  # contexts holding it at all
    examples: tuple[Example, ...]


def discover(
    contexts: Iterable[Context],
    matcher: Matcher,
    *,
    rejected: Iterable[str] = (),
    min_support: int = 3,
    prior_weight: float = 5.0,
    limit: int = 50,
    max_examples: int = 3,
) -> list[Candidate]:
    """Propose unknown items ranked by smoothed lift over their background frequency."""
    ctxs = list(contexts)
    skip = {canonical(r) for r in rejected}
    key_of: dict[str, str] = {}
    known_terms: dict[str, tuple[str, ...]] = {}
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for ctx in ctxs:
        for item in ctx.items:
            if item not in key_of:
                key = canonical(item)
                key_of[item] = key
                if key not in known_terms:
                    found = matcher.match(item, FieldKind.QUERY)
                    known_terms[key] = tuple(sorted({m.term for m in found}))
            spellings[key_of[item]][item] += 1
    total = len(ctxs)
    seeded: list[tuple[Context, tuple[str, ...]]] = []
    background: Counter[str] = Counter()
    for ctx in ctxs:
        keys = {key_of[i] for i in ctx.items}
        background.update(keys)
        known = tuple(sorted({t for k in keys for t in known_terms[k]}))
        if known:
            seeded.append((ctx, known))
    if not seeded or not total:
        return []
    base = len(seeded) / total
    support: Counter[str] = Counter()
    examples: dict[str, list[Example]] = defaultdict(list)
    for ctx, known in seeded:
        for key in {key_of[i] for i in ctx.items}:
            if known_terms[key] or key in skip or not key:
                continue
            support[key] += 1
            if len(examples[key]) < max_examples:
                examples[key].append(Example(ctx.id, ctx.kind, known))
    out: list[Candidate] = []
    for key, a in support.items():
        if a < min_support:
            continue
        n = background[key]
        lift = (a / n) / base
        score = ((a + prior_weight * base) / (n + prior_weight)) / base
        item = spellings[key].most_common(1)[0][0]
        out.append(Candidate(item, key, score, lift, a, n, tuple(examples[key])))
    out.sort(key=lambda c: (-c.score, -c.support, c.key))
    return out[:limit]
