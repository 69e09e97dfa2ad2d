"""Open cases reach the guards as ``case_open`` signals, and leave them when closed."""

from __future__ import annotations

from bastion.core.model import EntityType
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from review.support import PLATFORM, report, seed_platform


def _held(review: Review, account: str) -> list[dict[str, object]]:
    found = review.store.signals.for_entity(PLATFORM, EntityType.ACCOUNT, account)
    return [dict(s.evidence) for s in found if s.kind == "case_open"]


def test_case_open_signal_follows_the_case(review: Review) -> None:
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r1", "acct-q") | {"platform": PLATFORM})]
    )
    review.triage()
    [held] = _held(review, "acct-q")
    assert held["category"] == "child_safety"
    case_id = int(str(held["case_id"]))
    lead = Principal("lee", Role.LEAD, "session")
    review.desk.claim(lead, case_id)
    assert _held(review, "acct-q")  # in review: still held back
    closed = review.desk.decide(lead, case_id, "violating", "CS-1", "seller menu in bio")
    if closed["status"] != "closed":  # a sampled second review keeps the case open, and the signal with it
        assert _held(review, "acct-q")
        return
    assert _held(review, "acct-q") == []
    review.desk.appeal(Principal("pinegrove", Role.PLATFORM, "token"), case_id, "the holder disagrees")
    assert _held(review, "acct-q")[0]["stage"] == "appeal"


def _verdicts(review: Review, account: str) -> list[float]:
    found = review.store.signals.for_entity(PLATFORM, EntityType.ACCOUNT, account)
    return [s.score for s in found if s.kind == "verdict"]


def test_a_final_decision_is_a_verdict_until_appealed(review: Review) -> None:
    """Detection learns from closed cases: 1 violating, 0 not; an appeal withdraws it until decided."""
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r2", "acct-v") | {"platform": PLATFORM})]
    )
    review.triage()
    case_id = int(str(_held(review, "acct-v")[0]["case_id"]))
    lead = Principal("lee", Role.LEAD, "session")
    review.desk.claim(lead, case_id)
    assert _verdicts(review, "acct-v") == []
    review.desk.decide(lead, case_id, "violating", "CS-1", "seller menu in bio")
    assert _verdicts(review, "acct-v") == [1.0]
    review.desk.appeal(Principal("pinegrove", Role.PLATFORM, "token"), case_id, "the holder disagrees")
    assert _verdicts(review, "acct-v") == []
    other = Principal("lin", Role.LEAD, "session")  # an appeal needs fresh eyes
    review.desk.claim(other, case_id)
    review.desk.decide(other, case_id, "not_violating", "CS-1", "a birdwatching club, not a code word")
    assert _verdicts(review, "acct-v") == [0.0]


def test_a_network_case_opened_by_a_report_on_one_member_is_a_verdict_on_every_member(review: Review) -> None:
    """The case names the member first reported, and is about the network: its verdict, as its
    enforcement, covers every member (an outside check found only the reported one judged)."""
    seed_platform(review.store)  # acct-a and acct-b in network net-1
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r3", "acct-a") | {"platform": PLATFORM})]
    )
    review.triage()
    [case] = review.desk.queues(Principal("x", Role.LEAD, "session"))
    assert (case["group_type"], case["group_id"], case["account_id"]) == ("network", "net-1", "acct-a")
    lead = Principal("lee", Role.LEAD, "session")
    review.desk.claim(lead, int(case["case_id"]))
    review.desk.decide(lead, int(case["case_id"]), "violating", "CS-4", "sells through the network")
    assert _verdicts(review, "acct-a") == [1.0] and _verdicts(review, "acct-b") == [1.0]
