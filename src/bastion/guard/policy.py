"""The operator's knobs for both guards, in one frozen (hashable) object so caches can key on it."""

from __future__ import annotations

from dataclasses import dataclass

from bastion.core.signals import SignalKind, named

#: Signal kinds that make an adult "suspicious" for the minor-protection rules (declared by terms, media
#: and graph; named here so the guard imports no other capability). A kind not listed never makes anyone
#: suspicious: the guard's default for a kind it does not know is to ignore it (list it to use it).
SUSPICION_KINDS: tuple[SignalKind, ...] = tuple(
    named(k) for k in ("term_match", "blocked_search", "hash_match", "network_member")
)


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Defaults follow the issue: members, orbit, cases and suspicious adults never reach minors.

    ``unknown_age_as_adult`` treats accounts without an age band as adults on the viewer/sender side, so a
    missing age never opens a path to a minor.
    """

    suspicion_threshold: float = 0.5
    block_threshold: float = 0.8  # suspicious senders at or above this are blocked, below it held
    orbit_min_links: int = 2
    orbit_share: float = 0.5
    protect_minors_from_adults: bool = True
    unknown_age_as_adult: bool = True
    suspicion_kinds: tuple[SignalKind, ...] = SUSPICION_KINDS
