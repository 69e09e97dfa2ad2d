"""Open cases reach the guards as ``case_open`` signals, and leave them when closed."""

from __future__ import annotations

from bastion.core.model import EntityType
from bastion.review.auth import Principal, Role
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from review.support import PLATFORM, report


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
