from __future__ import annotations

import bastion.guard


def test_guard_surface_is_deliberate() -> None:
    assert set(bastion.guard.__all__) == {
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
    }
    assert all(getattr(bastion.guard, name) is not None for name in bastion.guard.__all__)
