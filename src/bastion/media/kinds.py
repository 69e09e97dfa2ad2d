"""The signal kind the media capability produces (its one declaration; consumers read the hints)."""

from __future__ import annotations

from bastion.core.signals import SignalKind, register

(HASH_MATCH,) = register(
    SignalKind(
        "hash_match",
        attaches_to=frozenset({"account", "post"}),
        means="media matched a known hash list",
        strength="1 exact, falling to 0.5 at the list's distance threshold",
        member_rate=0.05,
        max_llr=6.0,
        triage_weight=0.35,
        raises_severity=True,
        words="media matched a known hash list (strength {v:.2f})",
    ),
)

__all__ = ["HASH_MATCH"]
