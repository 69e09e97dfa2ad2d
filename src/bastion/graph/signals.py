"""Per-account signal strengths turned into priors, and the plain words a reviewer sees for each.

Priors are a noisy-OR: several weak, independent hints add up, but no pile of weak hints reaches the
certainty of one strong one (a hash match). Weights are set from the benchmark (bench/networks.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bastion.graph.container import AccountGraph, FloatArray

TERM_MATCH = "term_match"
BLOCKED_SEARCH = "blocked_search"
HASH_MATCH = "hash_match"
REPORT = "report"
SHARED_LINK = "shared_link"  # external-link domain shared with other accounts (link-in-bio hubs)
STORIES_ONLY = "stories_only"  # derived from attributes
NEW_ACCOUNT = "new_account"  # derived from attributes
SIGNAL_KINDS = (TERM_MATCH, BLOCKED_SEARCH, HASH_MATCH, REPORT, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT)

#: How much one full-strength signal says "this account advertises" (seller side).
SELLER_WEIGHTS: Mapping[str, float] = {
    HASH_MATCH: 0.95,
    TERM_MATCH: 0.8,
    SHARED_LINK: 0.6,
    REPORT: 0.5,
    STORIES_ONLY: 0.35,
    NEW_ACCOUNT: 0.15,
}
#: How much one full-strength signal says "this account looks for it" (buyer side).
BUYER_WEIGHTS: Mapping[str, float] = {BLOCKED_SEARCH: 0.7, REPORT: 0.2, HASH_MATCH: 0.5}

_DESCRIBE = {
    TERM_MATCH: "lexicon terms matched in profile or posts (strength {v:.2f})",
    BLOCKED_SEARCH: "searches blocked by the term guard (strength {v:.2f})",
    HASH_MATCH: "media matched a known hash list (strength {v:.2f})",
    REPORT: "reported by other users (strength {v:.2f})",
    SHARED_LINK: "external link domain shared with other suspects (strength {v:.2f})",
    STORIES_ONLY: "posts almost only stories (ratio {v:.2f})",
    NEW_ACCOUNT: "recently created account (newness {v:.2f})",
}


def derived_signals(graph: AccountGraph) -> dict[str, FloatArray]:
    """Attribute-based hints: stories-only posting and account newness, both in [0, 1]."""
    a = graph.attrs
    stories = np.nan_to_num(a.stories_ratio, nan=0.0)
    few_posts = np.nan_to_num(a.post_count, nan=1e9) <= 20
    stories_only = np.where(few_posts & (stories >= 0.8), stories, 0.0)
    age = np.nan_to_num(a.account_age_days, nan=1e9)
    newness = np.clip(1.0 - age / 90.0, 0.0, 1.0)
    return {STORIES_ONLY: stories_only, NEW_ACCOUNT: newness}


def all_signals(graph: AccountGraph, extra: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
    out = {k: graph.signal(k) for k in graph.signals}
    out.update(derived_signals(graph))
    if extra:
        out.update(extra)
    return out


def noisy_or(signals: Mapping[str, FloatArray], weights: Mapping[str, float], n: int) -> FloatArray:
    miss = np.ones(n)
    for kind, w in weights.items():
        s = signals.get(kind)
        if s is not None:
            miss *= 1.0 - w * np.clip(s, 0.0, 1.0)
    return 1.0 - miss


def describe(kind: str, value: float) -> str:
    template = _DESCRIBE.get(kind, kind + " (strength {v:.2f})")
    return template.format(v=value)
