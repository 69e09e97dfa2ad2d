"""The decision preview a lead sees before confirming: exactly what the decision handler then creates, with
actions already in force named and not counted again, and nothing written while previewing."""

from __future__ import annotations

from sqlalchemy import func, select

from bastion.core.decision import Decision, Subject
from bastion.enforce import ActionService, decision_actions, preview_decision
from bastion.enforce.decision_policy import load_decision_policy
from bastion.enforce.model import ActionKind
from bastion.store import Store
from bastion.store.decisions import save_decision
from bastion.store.tables_enforce import enforce_actions
from review.support import seed_network

P = "pinegrove"
SUBJECTS = (
    Subject(P, "acct-s", "seller", network_id="net-7"),
    Subject(P, "acct-b", "buyer", network_id="net-7"),
    Subject(P, "acct-u", "unknown", network_id="net-7"),
)


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(enforce_actions)).scalar_one())


def test_preview_matches_what_the_handler_creates(store: Store) -> None:
    seed_network(store)
    ActionService(store).apply(P, "acct-s", [ActionKind.DISABLE_ACCOUNT], Decision("lee", "earlier", "CS-1"))
    policy = load_decision_policy()
    with store.engine.connect() as conn:
        planned = preview_decision(conn, policy, "violating", "child_safety", SUBJECTS)
    assert _count(store) == 1  # the preview wrote nothing
    seller, buyer, unknown = planned
    assert seller.already == (ActionKind.DISABLE_ACCOUNT,) and ActionKind.DISABLE_ACCOUNT not in seller.todo
    assert seller.cybertip_draft and not buyer.cybertip_draft
    assert unknown.policy_role == "member"  # the detector's unknown is a plain member, as the handler says
    decision = Decision(
        "ana",
        "sells access",
        "CS-4",
        outcome="violating",
        category="child_safety",
        platform=P,
        subjects=SUBJECTS,
        stage="first",
    )
    with store.engine.begin() as conn:
        stored = save_decision(conn, decision)
        effects = decision_actions()(conn, stored, None)
    assert len(effects.action_ids) == sum(len(p.todo) for p in planned)
    assert len(effects.report_ids) == sum(p.cybertip_draft for p in planned)
