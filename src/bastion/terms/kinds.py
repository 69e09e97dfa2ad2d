"""The signal kinds the term capability produces (its one declaration; consumers read the hints)."""

from __future__ import annotations

from bastion.core.signals import DEFAULT_MAX_LLR, ON_ACCOUNTS, Side, SignalKind, register

TERM_MATCH, BLOCKED_SEARCH = register(
    SignalKind(
        "term_match",
        attaches_to=frozenset({"account", "post"}),
        means="lexicon terms matched in a profile or a post",
        strength="term weight by field, plus a bonus when spelled around the lexicon (0.15 is noise)",
        member_rate=0.3,
        max_llr=DEFAULT_MAX_LLR,
        triage_weight=0.15,
        friends_share=True,  # a hobby circle's word: the innocent community and cohort of issue 12
        words="lexicon terms matched in profile or posts (strength {v:.2f})",
    ),
    SignalKind(
        "blocked_search",
        attaches_to=ON_ACCOUNTS,
        means="searches the term guard blocked",
        strength="0.6 a blocked search, 0.9 one spelled around the lexicon",
        member_rate=0.15,
        max_llr=DEFAULT_MAX_LLR,
        side=Side.BUYER,
        triage_weight=0.1,
        words="searches blocked by the term guard (strength {v:.2f})",
    ),
)

__all__ = ["BLOCKED_SEARCH", "TERM_MATCH"]
