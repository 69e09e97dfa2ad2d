"""A case's final decision flows to enforcement in its own transaction: the policy's actions per role and a
CyberTipline draft are created with it, a failure records neither, and an upheld appeal reverses them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from bastion.core.decision import Decision, DecisionEffects
from bastion.enforce.actions import ActionService
from bastion.enforce.decisions import DecisionActions, decision_actions
from bastion.enforce.model import ActionKind
from bastion.review.auth import Principal, Role
from bastion.review.cases import CaseDesk
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store import Store
from bastion.store.decisions import decisions
from bastion.store.tables import platforms, signals
from bastion.store.tables_enforce import (
    cybertip_reports,
    enforce_actions,
    enforce_deliveries,
    enforce_events,
    enforce_takedowns,
)
from bastion.store.tables_review import review_cases
from review.support import PLATFORM, T0, report, seed_network


def person(name: str, role: Role = Role.REVIEWER) -> Principal:
    return Principal(name, role, "session")


def network_case(review: Review) -> int:
    seed_network(review.store)
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r-1", "acct-s") | {"platform": PLATFORM})]
    )
    review.triage()
    with review.engine.connect() as conn:
        case = conn.execute(select(review_cases)).one()
    assert (case.group_type, case.group_id) == ("network", "net-7")
    return int(case.case_id)


def decide(desk: CaseDesk, who: Principal, case_id: int, outcome: str) -> dict[str, Any]:
    desk.claim(who, case_id)
    return desk.decide(who, case_id, outcome, "CS-4 network participation", "trades in the network")


def count(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def wired(review: Review) -> Review:
    review.desk.on_decision = decision_actions()
    return review


def test_violating_network_decision_creates_actions_per_role_and_a_draft(wired: Review) -> None:
    case_id = network_case(wired)
    after = decide(wired.desk, person("ana"), case_id, "violating")
    assert (after["status"], after["outcome"]) == ("closed", "violating")
    decision_id = after["decisions"][-1]["decision_id"]
    actions = ActionService(wired.store).for_decision(decision_id)
    kinds: dict[tuple[str, str | None], set[str]] = {}
    for a in actions:
        kinds.setdefault((a.account_id, a.role), set()).add(str(a.kind))
    assert kinds[("acct-s", "seller")] == {"disable_account", "remove_content", "preserve_evidence", "notify"}
    assert kinds[("acct-f", "facilitator")] == {"disable_account", "preserve_evidence", "notify"}
    assert "disable_account" not in kinds[("acct-b", "buyer")]
    assert kinds[("acct-b", "buyer")] >= {"restrict_search", "restrict_messages_to_minors"}
    assert kinds[("acct-u", "unknown")] == {"restrict_messages_to_minors", "notify"}
    assert after["effects"]["action_ids"] == [a.action_id for a in actions]
    # the action shows its decision: the reviewer's words come from the one decision row, not a copy
    words = {(a.actor, a.clause, a.case_id) for a in actions}
    assert words == {("ana", "CS-4 network participation", case_id)}
    with wired.engine.connect() as conn:
        drafts = conn.execute(select(cybertip_reports).order_by(cybertip_reports.c.account_id)).all()
        takedown = conn.execute(select(enforce_takedowns)).one()
    assert [(d.account_id, d.status, d.case_id, d.decision_id) for d in drafts] == [
        ("acct-f", "draft", case_id, decision_id),
        ("acct-s", "draft", case_id, decision_id),
    ]
    assert after["effects"]["report_ids"] == sorted(d.local_id for d in drafts)
    assert (takedown.network_id, takedown.decision_id, takedown.members) == ("net-7", decision_id, 4)
    assert count(wired.store, enforce_deliveries) == len(actions)  # each action queued for the platform


def test_a_failure_while_applying_records_no_decision(wired: Review) -> None:
    case_id = network_case(wired)
    real = wired.desk.on_decision
    assert isinstance(real, DecisionActions)

    def half_then_fail(conn: Connection, decision: Decision, previous: Decision | None) -> DecisionEffects:
        made = real(conn, decision, previous)
        assert made.action_ids  # the actions were inserted in this transaction ...
        raise RuntimeError("the database refused an insert")

    wired.desk.on_decision = half_then_fail
    ana = person("ana")
    with pytest.raises(RuntimeError):
        decide(wired.desk, ana, case_id, "violating")
    # ... and went away with the decision: the case is still ana's to decide
    case = wired.desk.get(case_id)
    assert (case["status"], case["assignee"], case["decisions"]) == ("in_review", "ana", [])
    for table in (decisions, enforce_actions, enforce_events, cybertip_reports, enforce_takedowns):
        assert count(wired.store, table) == 0, table.name
    wired.desk.on_decision = real
    after = wired.desk.decide(ana, case_id, "violating", "CS-4", "trades in the network")
    assert after["status"] == "closed" and after["effects"]["action_ids"]


def test_an_upheld_appeal_reverses_exactly_what_the_decision_did(wired: Review) -> None:
    case_id = network_case(wired)
    store = wired.store
    manual = ActionService(store).apply(
        PLATFORM, "acct-b", [ActionKind.DISABLE_ACCOUNT], Decision("lee", "earlier, outside the case", "CS-2")
    )
    first = decide(wired.desk, person("ana"), case_id, "violating")
    created = first["effects"]["action_ids"]
    wired.desk.appeal(person("lee", Role.LEAD), case_id, "the account holder disagrees")
    final = decide(wired.desk, person("bea"), case_id, "not_violating")
    assert (final["stage"], final["outcome"]) == ("appeal", "not_violating")
    assert final["effects"]["reversed_action_ids"] == created
    assert final["effects"]["action_ids"] == []
    assert len(final["effects"]["withdrawn_report_ids"]) == 2
    appeal_decision = final["decisions"][-1]["decision_id"]
    service = ActionService(store)
    assert {str(service.get(i).state) for i in created} == {"reversed"}
    assert str(service.get(manual[0]).state) == "active"  # not this decision's to reverse
    history = service.history(created[0])
    assert [(e.event, e.actor, e.decision_id) for e in history] == [
        ("applied", "ana", first["decisions"][-1]["decision_id"]),
        ("reversed", "bea", appeal_decision),
    ]
    with store.engine.connect() as conn:
        statuses = Counter(conn.scalars(select(cybertip_reports.c.status)))
        pending = conn.execute(select(func.count()).select_from(enforce_deliveries)).scalar_one()
        verdicts = conn.execute(select(signals.c.score).where(signals.c.kind == "verdict")).scalars().all()
    assert statuses == {"withdrawn": 2}
    assert pending == 1 + 2 * len(created)  # the manual action, each applied and each reversal
    assert verdicts and set(verdicts) == {0.0}


def test_an_appeal_that_is_not_upheld_leaves_the_actions_standing(wired: Review) -> None:
    case_id = network_case(wired)
    first = decide(wired.desk, person("ana"), case_id, "violating")
    wired.desk.appeal(person("lee", Role.LEAD), case_id, "the account holder disagrees")
    final = decide(wired.desk, person("bea"), case_id, "violating")
    assert final["effects"] == DecisionEffects().as_json()
    service = ActionService(wired.store)
    assert {str(service.get(i).state) for i in first["effects"]["action_ids"]} == {"active"}


def test_a_single_account_case_acts_on_its_subject(wired: Review) -> None:
    with wired.store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name=PLATFORM, first_seen_at=T0))
    store_reports(
        wired.intake_engine,
        [ReportIn.model_validate(report("r-9", "acct-x", reason="spam") | {"platform": PLATFORM})],
    )
    wired.triage()
    case_id = int(wired.desk.queues(person("x"))[0]["case_id"])
    after = decide(wired.desk, person("ana"), case_id, "violating")
    actions = [ActionService(wired.store).get(i) for i in after["effects"]["action_ids"]]
    assert sorted((a.account_id, a.role, str(a.kind)) for a in actions) == [
        ("acct-x", "subject", "notify"),
        ("acct-x", "subject", "remove_content"),
    ]
    assert after["effects"]["report_ids"] == []  # the default policy drafts reports for child safety only


def test_escalations_and_first_of_two_reviews_apply_nothing(wired: Review) -> None:
    case_id = network_case(wired)
    after = decide(wired.desk, person("ana"), case_id, "escalate")
    assert after["stage"] == "lead" and after["effects"] == DecisionEffects().as_json()
    assert count(wired.store, enforce_actions) == 0
