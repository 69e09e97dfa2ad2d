"""Claims are exclusive, decisions move cases through second review, lead and appeal, figures add up."""

from __future__ import annotations

import threading

import pytest

from bastion.core.errors import Conflict
from bastion.core.model import EntityType, Signal
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.cases import CaseDesk, reviewer_figures
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store import Store
from review.support import PLATFORM, make_review, report, seed_platform


def person(name: str, role: Role = Role.REVIEWER) -> Principal:
    return Principal(name, role, "session")


def _one_case(review: Review, target: str = "acct-a", reason: str = "child_safety") -> int:
    store_reports(
        review.intake_engine,
        [ReportIn.model_validate(report(f"r-{target}", target, reason) | {"platform": PLATFORM})],
    )
    review.triage()
    return int(review.desk.queues(person("x"))[0]["case_id"])


def test_two_reviewers_never_hold_the_same_case(review: Review) -> None:
    store_reports(
        review.intake_engine,
        [ReportIn.model_validate(report(f"r{i}", f"t{i}") | {"platform": PLATFORM}) for i in range(6)],
    )
    review.triage()
    got: dict[str, list[int]] = {}

    def work(name: str) -> None:
        desk = CaseDesk(review.engine)
        mine = got.setdefault(name, [])
        while (case := desk.claim_next(person(name))) is not None:
            mine.append(case["case_id"])

    threads = [threading.Thread(target=work, args=(f"rev{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [c for cases in got.values() for c in cases]
    assert len(claimed) == 6 and len(set(claimed)) == 6
    with pytest.raises(Conflict):
        review.desk.claim(person("late"), claimed[0])


def test_not_violating_on_network_child_safety_goes_to_second_then_lead(review: Review) -> None:
    seed_platform(review.store)
    case_id = _one_case(review)
    first, second, lead = person("ana"), person("ben"), person("lee", Role.LEAD)
    review.desk.claim(first, case_id)
    after = review.desk.decide(first, case_id, "not_violating", "CS-4 network participation", "looks benign")
    assert (after["stage"], after["status"]) == ("second", "open")
    with pytest.raises(Conflict):  # the first reviewer cannot second-review their own decision
        review.desk.claim(first, case_id)
    review.desk.claim(second, case_id)
    after = review.desk.decide(second, case_id, "violating", "CS-4 network participation", "seller role")
    assert (after["stage"], after["status"]) == ("lead", "open")
    with pytest.raises(Conflict):
        review.desk.claim(person("cal"), case_id)  # reviewers cannot take lead cases
    review.desk.claim(lead, case_id)
    final = review.desk.decide(lead, case_id, "violating", "CS-4 network participation", "confirmed")
    assert (final["status"], final["outcome"]) == ("closed", "violating")
    figures = {f.reviewer: f for f in reviewer_figures(review.engine)}
    assert figures["ana"].agreement == 0.0 and figures["ben"].agreement == 1.0
    assert figures["ben"].accuracy == 1.0


def test_a_case_triaged_before_detection_is_second_reviewed_once_its_account_is_a_network_member(
    review: Review,
) -> None:
    """Flags are read afresh at the decision: reports triaged before detection ran carry none, and one
    reviewer alone could clear a network's seller (an outside check did)."""
    _one_case(review, "acct-m")
    _one_case(review, "acct-o")
    cases = {c["account_id"]: int(c["case_id"]) for c in review.desk.queues(person("x"))}
    member, other = cases["acct-m"], cases["acct-o"]
    review.store.signals.add(
        [
            Signal(
                PLATFORM, EntityType.ACCOUNT, "acct-m", "network_member", "graph", 0.97, {"network_id": "9-1"}
            )
        ]
    )
    ana = person("ana")
    for case_id in (member, other):
        review.desk.claim(ana, case_id)
    after = review.desk.decide(ana, member, "not_violating", "CS-4 network participation", "looks benign")
    assert (after["stage"], after["status"]) == ("second", "open")
    assert after["flags"].get("network_member") is True  # the case page shows why
    alone = review.desk.decide(ana, other, "not_violating", "CS-4 network participation", "looks benign")
    assert (alone["stage"], alone["status"]) == ("first", "closed")  # no membership: no second review


def test_appeal_reopens_for_a_different_reviewer(review: Review) -> None:
    case_id = _one_case(review, "x9", "spam")
    ana = person("ana")
    review.desk.claim(ana, case_id)
    assert review.desk.decide(ana, case_id, "violating", "SP-1 bulk content", "bulk")["status"] == "closed"
    reopened = review.desk.appeal(person("pinegrove", Role.PLATFORM), case_id, "the holder disagrees")
    assert (reopened["stage"], reopened["status"]) == ("appeal", "open")
    with pytest.raises(Conflict):
        review.desk.claim(ana, case_id)
    review.desk.claim(person("ben"), case_id)


def test_decision_needs_reason_and_claim(review: Review) -> None:
    case_id = _one_case(review, "x8", "spam")
    with pytest.raises(Conflict):
        review.desk.decide(person("ana"), case_id, "violating", "SP-1", "bulk")
    review.desk.claim(person("ana"), case_id)
    from bastion.core.errors import InputError

    with pytest.raises(InputError) as info:
        review.desk.decide(person("ana"), case_id, "violating", "SP-1", "   ")
    assert info.value.field == "reason"


def test_sampled_second_review(store: Store) -> None:
    review = make_review(store, second_review_rate=1.0)
    case_id = _one_case(review, "x7", "spam")
    review.desk.claim(person("ana"), case_id)
    assert review.desk.decide(person("ana"), case_id, "violating", "SP-1", "bulk")["stage"] == "second"
    review.close()
