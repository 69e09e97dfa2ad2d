from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.guard.filter import (
    MINOR_FOR_ADULT,
    NETWORK_MEMBER,
    NETWORK_ORBIT,
    PENDING_CASE,
    SUSPICIOUS_FOR_MINOR,
    VIA_NETWORK_ONLY,
    RecommendationGuard,
)
from bastion.guard.policy import GuardPolicy
from bastion.guard.state import Detections, Snapshot
from bastion.guard.storage import guard_state
from bastion.store import Store

from .conftest import PLATFORM, tiny_base, tiny_detections


@pytest.fixture
def guard() -> RecommendationGuard:
    return RecommendationGuard(Snapshot(tiny_base(), tiny_detections(), GuardPolicy()))


def test_network_members_removed_for_anyone_with_network_named(guard: RecommendationGuard) -> None:
    result = guard.filter("adam", ["popular", "s1", "ada", "buyer"])
    assert result.kept == ["popular", "ada"]
    assert [(r.candidate, r.reason, r.detail) for r in result.removed] == [
        ("s1", NETWORK_MEMBER, "n1"),
        ("buyer", NETWORK_MEMBER, "n1"),
    ]


def test_close_orbit_removed_but_popular_account_members_follow_is_not(guard: RecommendationGuard) -> None:
    result = guard.filter("ada", ["hanger", "popular"])
    assert result.kept == ["popular"]
    assert result.removed[0].reason == NETWORK_ORBIT
    assert result.removed[0].detail == "n1"


def test_an_account_reviewers_cleared_is_no_networks_orbit() -> None:
    """The orbit rule infers; a reviewer's not-violating verdict on the account outranks it."""
    cleared = replace(tiny_detections(), cleared=frozenset({"hanger"}))
    guard = RecommendationGuard(Snapshot(tiny_base(), cleared, GuardPolicy()))
    assert guard.filter("ada", ["hanger", "popular", "s1"]).reasons() == {"s1": NETWORK_MEMBER}


def test_pending_case_removed(guard: RecommendationGuard) -> None:
    result = guard.filter("ada", ["casey", "adam"])
    assert result.reasons() == {"casey": PENDING_CASE}
    assert result.removed[0].detail == "case-7"


def test_suspicious_adult_removed_for_minor_only(guard: RecommendationGuard) -> None:
    assert guard.filter("kid", ["suspect", "popular"]).reasons() == {"suspect": SUSPICIOUS_FOR_MINOR}
    assert guard.filter("adam", ["suspect"]).kept == ["suspect"]
    # a weak signal (0.2, below the 0.5 threshold) does not make an adult suspicious
    assert guard.filter("kid", ["ada"]).kept == ["ada"]


def test_minor_removed_for_unconnected_adult_kept_for_connected_and_for_minors(
    guard: RecommendationGuard,
) -> None:
    assert guard.filter("adam", ["kid"]).reasons() == {"kid": MINOR_FOR_ADULT}
    assert guard.filter("ada", ["kid"]).kept == ["kid"]  # ada follows kid
    assert guard.filter("adam", ["kid2"]).kept == ["kid2"]  # kid2 follows adam
    assert guard.filter("kid2", ["kid"]).kept == ["kid"]
    # unknown age viewers count as adults (policy default), unknown viewer ids too
    assert guard.filter("nobody", ["kid"]).reasons() == {"kid": MINOR_FOR_ADULT}
    assert guard.filter("not-in-store", ["kid"]).reasons() == {"kid": MINOR_FOR_ADULT}


def test_minor_rule_can_be_switched_off() -> None:
    policy = GuardPolicy(protect_minors_from_adults=False)
    guard = RecommendationGuard(Snapshot(tiny_base(), tiny_detections(), policy))
    assert guard.filter("adam", ["kid"]).kept == ["kid"]


def test_candidate_reached_only_through_network_removed(guard: RecommendationGuard) -> None:
    result = guard.filter(
        "adam",
        ["popular", "ada", "kid2", "suspect"],
        via=[["s1", "s2"], ["s1", "kid2"], None, ["hanger"]],
    )
    assert result.kept == ["ada", "kid2"]
    assert result.reasons() == {"popular": VIA_NETWORK_ONLY, "suspect": VIA_NETWORK_ONLY}


def test_via_through_unknown_accounts_is_not_network_only(guard: RecommendationGuard) -> None:
    assert guard.filter("adam", ["popular"], via=[["s1", "stranger"]]).kept == ["popular"]


def test_order_kept_and_positions_reported(guard: RecommendationGuard) -> None:
    candidates = ["popular", "s1", "ada", "hanger", "suspect", "casey", "adam", "s2"]
    result = guard.filter("ada", candidates)
    assert result.kept == ["popular", "ada", "suspect", "adam"]
    assert [r.position for r in result.removed] == [1, 3, 5, 7]
    assert all(candidates[r.position] == r.candidate for r in result.removed)


def test_post_candidates_judged_by_their_author(guard: RecommendationGuard) -> None:
    result = guard.filter("adam", ["post-1", "post-2"], authors=["s2", "popular"])
    assert result.kept == ["post-2"]
    assert result.removed[0].candidate == "post-1"


def test_mismatched_lengths_refused(guard: RecommendationGuard) -> None:
    with pytest.raises(ValueError, match="via"):
        guard.filter("adam", ["a", "b"], via=[None])


def test_no_detections_keeps_everyone_but_minor_rule() -> None:
    guard = RecommendationGuard(Snapshot(tiny_base(), Detections(), GuardPolicy()))
    assert guard.filter("adam", ["s1", "hanger", "buyer", "kid"]).kept == ["s1", "hanger", "buyer"]


def test_a_not_violating_verdict_in_the_store_takes_the_account_out_of_orbit_until_overturned(
    tiny_store: Store,
) -> None:
    state = guard_state(tiny_store)

    def shown(candidate: str) -> dict[str, str]:
        return RecommendationGuard(state.snapshot).filter("ada", [candidate]).reasons()

    def verdict(score: float, case: str) -> Signal:
        evidence = {"case_id": case}
        return Signal(PLATFORM, EntityType.ACCOUNT, "hanger", "verdict", "review", score, evidence, case)

    assert shown("hanger") == {"hanger": NETWORK_ORBIT}
    tiny_store.signals.add([verdict(0.0, "c1")])
    assert state.refresh_if_stale() is True  # a verdict changes what the guard reads
    assert shown("hanger") == {}
    tiny_store.signals.add([verdict(1.0, "c2")])  # a later case found it violating: the newest wins
    assert state.refresh_if_stale() is True
    assert shown("hanger") == {"hanger": NETWORK_ORBIT}


def test_a_cleared_account_is_suspicious_again_only_on_a_signal_written_since(tiny_store: Store) -> None:
    """ "suspect" has a lexicon match (0.9): kept from minors' suggestions until reviewers cleared it, and
    again once a new match is written after the verdict."""
    state = guard_state(tiny_store)
    at = utcnow()

    def shown() -> dict[str, str]:
        return RecommendationGuard(state.snapshot).filter("kid", ["suspect"]).reasons()

    assert shown() == {"suspect": SUSPICIOUS_FOR_MINOR}
    cleared = Signal(PLATFORM, EntityType.ACCOUNT, "suspect", "verdict", "review", 0.0, {}, "c3", at)
    tiny_store.signals.add([cleared])
    assert state.refresh_if_stale() is True
    assert shown() == {}
    later = at + timedelta(minutes=5)
    match = Signal(PLATFORM, EntityType.ACCOUNT, "suspect", "term_match", "terms", 0.9, {}, "post-2", later)
    tiny_store.signals.add([match])
    assert state.refresh_if_stale() is True
    assert shown() == {"suspect": SUSPICIOUS_FOR_MINOR}
