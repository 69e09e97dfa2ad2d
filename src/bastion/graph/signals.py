"""Per-account signal strengths turned into priors, and the plain words a reviewer sees for each.

Priors are a noisy-OR: several weak, independent hints add up, but no pile of weak hints reaches the
certainty of one strong one (a hash match). Weights are set from the benchmark (bench/networks.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from bastion.core.signals import lookup, named
from bastion.graph import kinds
from bastion.graph.container import AccountGraph, FloatArray

# Feature and array keys are kind names (plain strings, so weights stay JSON); hints come from the kind.
#: Stored by other capabilities (declared in terms/kinds.py and media/kinds.py), read when present.
TERM_MATCH = named("term_match").name
BLOCKED_SEARCH = named("blocked_search").name
HASH_MATCH = named("hash_match").name
#: Derived by this capability's loader from ingested tables (declared in graph/kinds.py).
REPORT = kinds.REPORT.name
SHARED_LINK = kinds.SHARED_LINK.name  # external-link domain shared with other accounts (link-in-bio hubs)
STORIES_ONLY = kinds.STORIES_ONLY.name  # derived from attributes
NEW_ACCOUNT = kinds.NEW_ACCOUNT.name  # derived from attributes
#: The kinds the detector's tuned constants were set for, in the order its sums run (results stay
#: bit-identical); any other evidence kind follows them, by name, with the hints its producer declared.
SIGNAL_KINDS = (HASH_MATCH, TERM_MATCH, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT, BLOCKED_SEARCH, REPORT)
#: Kinds the loader derives itself: a stored signal of these names is not read as upstream evidence.
DERIVED_KINDS = frozenset({REPORT, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT})

#: How much one full-strength signal says "this account advertises" (seller side): the dense detector's
#: prior. A kind not listed here adds nothing to that prior (it still counts as evidence in the model).
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
    """The words its producer declared for the kind (its name and strength for a kind nobody declared)."""
    return lookup(kind).describe(value)


def evidence_kinds(present: Iterable[str]) -> tuple[str, ...]:
    """The own-signal kinds the detector weighs: its tuned ones, then every other kind among ``present``
    whose producer declares it evidence (an undeclared kind is: a weak own-signal by default), by name."""
    extra = sorted({k for k in present if k not in SIGNAL_KINDS and lookup(k).evidence})
    return (*SIGNAL_KINDS, *extra)
