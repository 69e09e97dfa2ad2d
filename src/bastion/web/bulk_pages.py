"""A lead's bulk decision: cases ticked in a queue, one outcome, clause and reason; first a preview of what
each case's decision would do (the same outlook as the case page: closes or goes to second review, actions
per subject, CyberTipline drafts), then, once confirmed, each case claimed and decided through the normal
path (bastion.review.bulk) and a page with every case's result. Cases the lead may not take (held by others,
or decided by the lead before, so a second look must be someone else's) are shown as skipped, never forced."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import Field

from bastion.api.deps import Lead, ReviewDep
from bastion.core.errors import InputError, NotFound
from bastion.review.bulk import MAX_BULK, NOT_YOURS, check_bulk, decide_many
from bastion.web.outlook import outlook
from bastion.web.pages import back, decision_policy, page

router = APIRouter(include_in_schema=False)
CaseIds = Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Form(max_length=MAX_BULK)]
Outcome = Annotated[str, Form(max_length=32)]
Clause = Annotated[str, Form(max_length=500)]
Reason = Annotated[str, Form(max_length=5000)]
SKIP_WHY = f"will be skipped: {NOT_YOURS}"


def _what_happens(view: dict[str, Any]) -> str:
    if view["closes"] == "no":
        stage = view["case"]["stage"]
        if view["outcome"] == "escalate":
            return "goes to a lead"
        return "goes to a second reviewer, blind" if stage == "first" else "stays open"
    head = (
        "closes" if view["closes"] == "yes" else "closes if the second reviewer agrees, else goes to a lead"
    )
    parts = [f"{view.get('new_actions', 0)} new action(s)"]
    if view.get("drafts"):
        parts.append(f"{view['drafts']} CyberTipline draft(s)")
    if view.get("reverses"):
        parts.append(f"reverses {view['reverses']} action(s)")
    return f"{head}: {', '.join(parts)}"


@router.post("/queues/bulk")
def preview(
    request: Request,
    me: Lead,
    review: ReviewDep,
    case_id: CaseIds,
    outcome: Outcome,
    clause: Clause = "",
    reason: Reason = "",
) -> Response:
    """What deciding each ticked case would do; nothing is written."""
    try:
        ids = check_bulk(case_id, outcome, clause, reason)
    except InputError as e:
        return back("/queues", note=f"bulk decision: {e}")
    claimable = review.desk.claimable_among(me, ids)
    rows: list[dict[str, Any]] = []
    policy = decision_policy(request)
    with review.engine.connect() as conn:
        for one in ids:
            try:
                case = review.desk.get(one)
            except NotFound:
                rows.append({"case_id": one, "case": None, "can": False, "what": "no such case"})
                continue
            held = case["assignee"] == me.name and case["status"] == "in_review"
            if not (held or one in claimable):
                what = "closed: nothing to decide" if case["status"] == "closed" else SKIP_WHY
                rows.append({"case_id": one, "case": case, "can": False, "what": what})
                continue
            view = outlook(conn, policy, review.settings.second_review_rate, case, outcome)
            rows.append(
                {"case_id": one, "case": case, "can": True, "what": _what_happens(view), "view": view}
            )
    doing = [r for r in rows if r["can"]]
    totals = {
        "actions": sum(r["view"].get("new_actions", 0) for r in doing),
        "drafts": sum(r["view"].get("drafts", 0) for r in doing),
        "second": sum(r["view"]["closes"] == "no" for r in doing),
    }
    return page(
        request,
        "bulk.html",
        me,
        review,
        rows=rows,
        doing=doing,
        totals=totals,
        outcome=outcome,
        clause=clause,
        reason=reason,
        results=None,
    )


@router.post("/queues/bulk/decide")
def decide(
    request: Request,
    me: Lead,
    review: ReviewDep,
    case_id: CaseIds,
    outcome: Outcome,
    clause: Clause = "",
    reason: Reason = "",
) -> Response:
    """Decide each case through the normal path (claim, decide, the policy's actions), then show each
    result; a case that cannot be taken any more is skipped and said so."""
    try:
        batch, results = decide_many(review.desk, me, case_id, outcome, clause, reason)
    except InputError as e:
        return back("/queues", note=f"bulk decision: {e}")
    decided = sum(r["result"] == "decided" for r in results)
    return page(
        request,
        "bulk.html",
        me,
        review,
        rows=[],
        doing=[],
        totals={},
        outcome=outcome,
        clause=clause,
        reason=reason,
        results=results,
        batch=batch,
        note=f"{decided} of {len(results)} case(s) decided",
    )
