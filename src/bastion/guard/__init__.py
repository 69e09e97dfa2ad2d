"""Recommendation and contact guard: the platform's own algorithms stop advertising abuse networks.

Reads (through the core): ``network_member`` signals (graph), ``case_open`` signals (review), suspicion
signals (``term_match``, ``blocked_search``, ``hash_match``, ``network_member``), ``accounts`` age bands,
``follows`` and ``recommendations``. Writes ``Signal(kind="contact_guard", source="guard")`` on the sender
of every contact decision (score: allow 0, warn 0.3, hold 0.7, block 1; key ``<follow|message>:<recipient>``).
"""

from bastion.guard.audit import ExposureAudit, exposure_audit
from bastion.guard.contact import Action, ContactDecision, ContactGuard
from bastion.guard.filter import REASONS, FilterResult, RecommendationGuard, Removal
from bastion.guard.kinds import CONTACT_GUARD
from bastion.guard.policy import GuardPolicy
from bastion.guard.replay import FriendsOfFriends, ReplayReport, replay
from bastion.guard.state import Detections, GuardState, PlatformBase, Snapshot

__all__ = [
    "CONTACT_GUARD",
    "REASONS",
    "Action",
    "ContactDecision",
    "ContactGuard",
    "Detections",
    "ExposureAudit",
    "FilterResult",
    "FriendsOfFriends",
    "GuardPolicy",
    "GuardState",
    "PlatformBase",
    "RecommendationGuard",
    "Removal",
    "ReplayReport",
    "Snapshot",
    "exposure_audit",
    "replay",
]
