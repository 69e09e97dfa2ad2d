from __future__ import annotations

import pytest

from bastion.core.errors import InputError
from bastion.core.model import Signal
from bastion.guard.contact import KIND, SAFETY_TOOLS, Action, ContactGuard
from bastion.guard.policy import GuardPolicy
from bastion.guard.state import Detections, Snapshot
from bastion.guard.storage import guard_state, signal_sink
from bastion.store import Store

from .conftest import CASES, MEMBERS, PLATFORM, tiny_base


@pytest.fixture
def written() -> list[Signal]:
    return []


@pytest.fixture
def guard(written: list[Signal]) -> ContactGuard:
    detections = Detections(MEMBERS, CASES, {"suspect": 0.9, "lukewarm": 0.6, "ada": 0.6})
    return ContactGuard(Snapshot(tiny_base(), detections, GuardPolicy()), written.append)


def test_network_member_to_minor_blocked(guard: ContactGuard, written: list[Signal]) -> None:
    decision = guard.check("s2", "kid", "message")
    assert decision.action == Action.BLOCK
    assert "network_member" in decision.reasons
    assert written[-1].kind == KIND and written[-1].entity_id == "s2" and written[-1].score == 1.0
    assert written[-1].evidence["recipient"] == "kid" and written[-1].evidence["action"] == "block"


def test_orbit_and_strongly_suspicious_adult_blocked(guard: ContactGuard) -> None:
    assert guard.check("hanger", "kid").action == Action.BLOCK
    assert guard.check("suspect", "kid").action == Action.BLOCK


def test_weakly_suspicious_or_pending_case_adult_held(guard: ContactGuard) -> None:
    held = guard.check("ada", "kid2", "message")  # 0.6: over the suspicion threshold, under blocking
    assert held.action == Action.HOLD and held.reasons == ("suspicious_signals",)
    assert guard.check("casey", "kid", "follow").action == Action.HOLD


def test_unconnected_adult_delivered_with_warning_and_tools(guard: ContactGuard) -> None:
    decision = guard.check("adam", "kid", "message")
    assert decision.action == Action.WARN
    assert decision.warn == "recipient"
    assert decision.safety_tools == SAFETY_TOOLS


def test_connected_adult_and_peers_allowed(guard: ContactGuard, written: list[Signal]) -> None:
    assert guard.check("adam", "kid2").action == Action.ALLOW  # kid2 follows adam
    assert guard.check("kid", "kid2").action == Action.ALLOW
    assert guard.check("adam", "ada").action == Action.ALLOW
    assert [s.score for s in written] == [0.0, 0.0, 0.0]


def test_minor_reaching_for_member_blocked_and_for_suspect_warned(guard: ContactGuard) -> None:
    to_member = guard.check("kid", "s1", "follow")
    assert to_member.action == Action.BLOCK and to_member.warn == "sender"
    to_suspect = guard.check("kid", "suspect", "message")
    assert to_suspect.action == Action.WARN and to_suspect.safety_tools


def test_unknown_kind_refused(guard: ContactGuard) -> None:
    with pytest.raises(InputError, match="kind"):
        guard.check("adam", "kid", "poke")


def test_decisions_land_in_store_as_signals(tiny_store: Store) -> None:
    state = guard_state(tiny_store)
    guard = ContactGuard(state, signal_sink(tiny_store))
    guard.check("s1", "kid", "message")
    guard.check("adam", "kid", "follow")
    guard.check("adam", "kid", "follow")  # the same decision again is one row
    stored = {(s.entity_id, s.evidence["action"]) for s in tiny_store.signals.of_kind(KIND, PLATFORM)}
    assert stored == {("s1", "block"), ("adam", "warn")}
    assert state.refresh_if_stale() is False  # its own signals do not invalidate the state
