"""What a decision on a case would do, read from the operator's decision policy and the actions in force,
with nothing written: whether it closes the case (or goes to a second reviewer or a lead), the actions per
subject, the CyberTipline drafts, and what an appeal decided the other way reverses. The case page's live
preview and a lead's bulk preview show the same thing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, select

from bastion.enforce import DecisionPolicy, preview_decision
from bastion.review.policy import OUTCOMES, needs_second_review
from bastion.review.subjects import case_subjects
from bastion.store.tables_enforce import enforce_actions


def closes(case: dict[str, Any], outcome: str, rate: float) -> str:
    """Whether this decision would close the case: ``yes``, ``no`` or ``if-agreed`` (second review)."""
    if outcome == "escalate":
        return "no"
    if case["stage"] == "first":
        flags = case["flags"] if isinstance(case["flags"], dict) else {}
        return "no" if needs_second_review(case["case_id"], case["category"], flags, outcome, rate) else "yes"
    return "if-agreed" if case["stage"] == "second" else "yes"


def outlook(
    conn: Connection, policy: DecisionPolicy, rate: float, case: dict[str, Any], outcome: str
) -> dict[str, Any]:
    """The preview's context for ``outcome`` on ``case`` (a desk row with its ``decisions``)."""
    context: dict[str, Any] = {"case": case, "outcome": outcome, "closes": "no", "effects": [], "reverses": 0}
    if outcome in OUTCOMES:
        context["closes"] = closes(case, outcome, rate)
    if outcome not in OUTCOMES or context["closes"] == "no":
        return context
    previous = next((d for d in reversed(case["decisions"]) if d.get("final")), None)
    context["upholds"] = previous is not None and previous["outcome"] == outcome
    effects = preview_decision(
        conn, policy, outcome, case["category"], case_subjects(conn, SimpleNamespace(**case))
    )
    if previous is not None and not context["upholds"]:
        context["reverses"] = len(
            conn.execute(
                select(enforce_actions.c.action_id).where(
                    enforce_actions.c.decision_id == previous["decision_id"],
                    enforce_actions.c.state == "active",
                )
            ).all()
        )
    context["effects"] = [] if context["upholds"] else effects
    by_role: dict[tuple[str, tuple[str, ...], bool], int] = {}
    for e in context["effects"]:
        key = (e.policy_role, tuple(str(k) for k in e.actions), e.cybertip_draft)
        by_role[key] = by_role.get(key, 0) + 1
    context["by_role"] = sorted(by_role.items())
    context["new_actions"] = sum(len(e.todo) for e in context["effects"])
    context["already"] = sum(len(e.already) for e in context["effects"])
    context["drafts"] = sum(e.cybertip_draft for e in context["effects"])
    return context


__all__ = ["closes", "outlook"]
