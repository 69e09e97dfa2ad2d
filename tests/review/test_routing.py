"""Named queues with routing rules, and a lead's bulk decision: a case goes to the first queue whose rule it
matches, the default queue takes the rest, no case is ever in no queue (created, joined, moved to another
stage, its queue deleted), rule changes apply on request; bulk decisions go through the normal path, so a
'not violating' on a strong child-safety case still goes to a second reviewer and a lead never takes the
second look at a case they decided."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bastion.core.errors import Conflict, InputError
from bastion.enforce.decisions import decision_actions
from bastion.review import queue_edits, routing
from bastion.review.auth import Principal, Role
from bastion.review.bulk import decide_many
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store.tables_review import review_audit, review_cases, review_queues
from review.support import PLATFORM, report, seed_network, seed_platform

LEAD = Principal("lena", Role.LEAD, "session")


def file_reports(review: Review, *items: tuple[str, str, str]) -> None:
    store_reports(
        review.intake_engine,
        [
            ReportIn.model_validate(report(rid, target, reason, platform=PLATFORM))
            for rid, target, reason in items
        ],
    )
    review.triage()


def queue_of(review: Review) -> dict[str, str]:
    """Each case's subject -> the name of its queue (None if it had none)."""
    with review.engine.connect() as conn:
        names = {r.queue_id: r.name for r in conn.execute(select(review_queues))}
        return {r.group_id: names.get(r.queue_id) for r in conn.execute(select(review_cases))}


def add_queue(review: Review, name: str, **rule: Any) -> int:
    with review.engine.begin() as conn:
        return queue_edits.create_queue(conn, LEAD.name, name, routing.QueueRule.parse(rule))


def test_cases_go_to_the_first_matching_queue_and_the_default_takes_the_rest(review: Review) -> None:
    seed_network(review.store)
    add_queue(review, "Networks", min_network=4)
    add_queue(review, "Child safety", categories=["child_safety"])
    add_queue(review, "Scams", categories=["scam"], roles=["reviewer"], priorities=[3, 4])
    file_reports(
        review,
        ("r-1", "acct-s", "child_safety"),  # a network of 4: the first rule wins over the second
        ("r-2", "acct-lone", "child_safety"),
        ("r-3", "acct-spam", "scam"),
        ("r-4", "acct-rude", "harassment"),
    )
    assert queue_of(review) == {
        "net-7": "Networks",
        "acct-lone": "Child safety",
        "acct-spam": "Scams",
        "acct-rude": "General",
    }


def test_no_case_is_ever_left_in_no_queue(review: Review) -> None:
    seed_platform(review.store)
    child = add_queue(review, "Child safety", categories=["child_safety"])
    leads = add_queue(review, "For a lead", roles=["lead"])
    file_reports(review, ("r-1", "acct-c", "child_safety"), ("r-2", "acct-x", "scam"))
    assert set(queue_of(review).values()) == {"Child safety", "General"}
    file_reports(review, ("r-3", "acct-c", "spam"))  # joins the open case: still routed
    with review.engine.connect() as conn:
        case_id = conn.execute(
            select(review_cases.c.case_id).where(review_cases.c.group_id == "acct-c")
        ).scalar()
    ana = Principal("ana", Role.REVIEWER, "session")
    review.desk.claim(ana, int(case_id))
    review.desk.decide(ana, int(case_id), "escalate", "CS-1", "needs a lead")  # stage lead: needs a lead
    assert queue_of(review)["acct-c"] == "Child safety"  # the first rule still matches first
    with review.engine.begin() as conn:
        queue_edits.reorder(conn, LEAD.name, [leads, child])
        assert queue_edits.reroute(conn, LEAD.name) == 1
    assert queue_of(review)["acct-c"] == "For a lead"
    with review.engine.begin() as conn:
        assert queue_edits.delete_queue(conn, LEAD.name, leads) == 1
    assert queue_of(review)["acct-c"] == "Child safety"
    assert None not in queue_of(review).values()
    with review.engine.begin() as conn, pytest.raises(Conflict):
        queue_edits.delete_queue(conn, LEAD.name, routing.ensure_default(conn))
    with review.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(review_audit.c.action))]
    assert {"queue.create", "queue.reorder", "queue.reroute", "queue.delete"} <= set(actions)


def test_rule_changes_apply_to_open_cases_on_request(review: Review) -> None:
    file_reports(review, ("r-1", "acct-s1", "scam"))
    scams = add_queue(review, "Scams", categories=["scam"])
    assert queue_of(review)["acct-s1"] == "General"  # not moved under a reviewer's feet
    with review.engine.begin() as conn:
        assert queue_edits.reroute(conn, LEAD.name) == 1
    assert queue_of(review)["acct-s1"] == "Scams"
    with review.engine.begin() as conn:
        rule = routing.QueueRule.parse({"categories": ["hate"]})
        queue_edits.update_queue(conn, LEAD.name, scams, "Hate", rule)
        queue_edits.reroute(conn, LEAD.name)
    assert queue_of(review)["acct-s1"] == "General"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"roles": ["owner"]}, "rule.roles"),
        ({"priorities": [7]}, "rule.priorities"),
        ({"min_network": "many"}, "rule.min_network"),
        ({"colour": ["red"]}, "rule"),
        ({"stages": ["done"]}, "rule.stages"),
    ],
)
def test_a_bad_rule_names_its_field(rule: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        routing.QueueRule.parse(rule)
    assert caught.value.field == field


def test_bulk_decisions_go_through_the_normal_path_and_keep_second_review(review: Review) -> None:
    review.desk.on_decision = decision_actions()
    seed_network(review.store)
    file_reports(
        review, ("r-1", "acct-s", "child_safety"), ("r-2", "acct-z", "spam"), ("r-3", "acct-y", "spam")
    )
    with review.engine.connect() as conn:
        ids = {r.group_id: int(r.case_id) for r in conn.execute(select(review_cases))}
    ana = Principal("ana", Role.REVIEWER, "session")
    review.desk.claim(ana, ids["acct-y"])  # held by someone else: skipped, not taken from her
    _, results = decide_many(
        review.desk, LEAD, [ids["net-7"], ids["acct-z"], ids["acct-y"]], "not_violating", "GEN-1", "bulk"
    )
    by_case = {r["case_id"]: r for r in results}
    network = by_case[ids["net-7"]]  # child safety with network evidence: a second look is required
    assert (network["result"], network["status"], network["stage"]) == ("decided", "open", "second")
    assert by_case[ids["acct-z"]]["status"] == "closed"
    assert by_case[ids["acct-y"]]["result"] == "skipped"
    assert review.desk.get(ids["acct-y"])["assignee"] == "ana"
    # the lead cannot take the second look at their own decision, in bulk or not
    _, again = decide_many(review.desk, LEAD, [ids["net-7"]], "not_violating", "GEN-1", "bulk")
    assert again[0]["result"] == "skipped" and review.desk.get(ids["net-7"])["stage"] == "second"
    with review.engine.connect() as conn:
        audited = [
            r.details
            for r in conn.execute(select(review_audit).where(review_audit.c.action == "case.decide"))
        ]
    assert len(audited) == 2 and all(str(d["via"]).startswith("bulk:") for d in audited)


def test_a_violating_bulk_decision_acts_per_case(review: Review) -> None:
    review.desk.on_decision = decision_actions()
    seed_network(review.store)
    file_reports(review, ("r-1", "acct-s", "child_safety"))
    with review.engine.connect() as conn:
        case_id = int(conn.execute(select(review_cases.c.case_id)).scalar_one())
    _, (done,) = decide_many(review.desk, LEAD, [case_id], "violating", "CS-4", "network selling access")
    assert done["status"] == "closed" and len(done["effects"]["action_ids"]) > 4
    with pytest.raises(InputError):
        decide_many(review.desk, LEAD, [case_id], "violating", "CS-4", " ")
