"""Queues: open cases by priority, in the named queues routing put them in (bastion.review.routing; each with
its counts and oldest wait), filtered by category, stage, platform or a search on the account or group, with
how long each case has waited and what its priority means; the table refreshes itself (htmx polling) so a
team sees cases arrive and leave without reloading. A lead can free the claims of an absent reviewer in one
go, and select cases for a bulk decision (web/bulk_pages.py)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlalchemy import select, update

from bastion.api.deps import Lead, ReviewDep, Reviewer
from bastion.core.errors import Conflict
from bastion.core.timefmt import utcnow
from bastion.review import audit, routing
from bastion.review.policy import GUIDANCE, OUTCOMES
from bastion.store.tables_review import review_cases
from bastion.web.pages import Id, back, page

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query(max_length=255)]
QueueParam = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
REFRESH_SECONDS = 20


#: Named views of the queue a team works from: (name, label, filters).
NAMED: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("all", "All open cases", {}),
    ("child-safety", "Child safety", {"category": "child_safety"}),
    ("second", "Second review", {"stage": "second"}),
    ("lead", "Escalated to a lead", {"stage": "lead"}),
    ("appeals", "Appeals", {"stage": "appeal"}),
    ("overdue", "Overdue", {"overdue": "1"}),
)


def _matches(
    c: dict[str, Any], category: str, stage: str, platform: str, search: str, overdue: bool, now: Any
) -> bool:
    if (category and c["category"] != category) or (stage and c["stage"] != stage):
        return False
    if overdue and not c["due_at"] < now:
        return False
    if platform and c["platform"] != platform:
        return False
    words = f"{c['group_id']} {c.get('account_id') or ''} #{c['case_id']}".lower()
    return not search or search.lower().strip() in words


@router.get("/queues")
def queues(
    request: Request,
    me: Reviewer,
    review: ReviewDep,
    note: Filter = "",
    category: Filter = "",
    stage: Filter = "",
    platform: Filter = "",
    q: Filter = "",
    overdue: Filter = "",
    case: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    queue: QueueParam = None,
) -> HTMLResponse:
    every = review.desk.queues(me)
    now = utcnow()
    shown = [
        c
        for c in every
        if _matches(c, category, stage, platform, q, bool(overdue), now)
        and (queue is None or c["queue_id"] == queue)
    ]
    claimable = review.desk.claimable_by_queue(me)
    with review.engine.begin() as conn:
        named_queues = [
            n | {"claimable": claimable.get(n["queue_id"], 0)} for n in routing.summary(conn, now)
        ]
    by_priority: dict[int, list[dict[str, Any]]] = {}
    for c in shown:
        by_priority.setdefault(int(c["priority"]), []).append(c)
    counts = {
        "open": sum(c["status"] == "open" for c in every),
        "in_review": sum(c["status"] == "in_review" for c in every),
        "claimable": sum(bool(c["claimable"]) for c in every),
        "overdue": sum(c["due_at"] < now for c in every),
    }
    lost = next((c for c in every if c["case_id"] == case), None) if case else None
    filters = {"category": category, "stage": stage, "platform": platform, "q": q, "overdue": overdue}
    filters |= {"queue": str(queue) if queue else ""}
    named = [
        (label, urlencode(values), {k: v for k, v in filters.items() if v} == values)
        for _key, label, values in NAMED
    ]
    return page(
        request,
        "queues.html",
        me,
        review,
        by_priority=sorted(by_priority.items()),
        note=note,
        counts=counts,
        shown=len(shown),
        total=len(every),
        filters=filters,
        refresh_query=urlencode({k: v for k, v in filters.items() if v}),
        refresh_seconds=REFRESH_SECONDS,
        categories=sorted({c["category"] for c in every}),
        stages=sorted({c["stage"] for c in every}),
        platforms=sorted({c["platform"] for c in every}),
        lost=lost,
        named=named,
        named_queues=named_queues,
        current_queue=next((n for n in named_queues if n["queue_id"] == queue), None),
        outcomes=OUTCOMES,
        clauses=sorted({c for _text, cs in GUIDANCE.values() for c in cs}),
    )


@router.post("/cases/next")
def claim_next(
    me: Reviewer, review: ReviewDep, queue: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None
) -> Response:
    """The most urgent case one may claim, in the named queue the reviewer is working if any."""
    case = review.desk.claim_next(me, queue)
    if case is None:
        return back("/queues", note="nothing to claim" + (" in this queue" if queue else ""), queue=queue)
    return back(f"/cases/{case['case_id']}")


@router.post("/cases/{case_id}/claim")
def claim(case_id: Id, me: Reviewer, review: ReviewDep) -> Response:
    try:
        review.desk.claim(me, case_id)
    except Conflict:
        return back("/queues", note="that case is taken or not yours to review")
    return back(f"/cases/{case_id}")


@router.post("/queues/release")
def release_claims(
    me: Lead,
    review: ReviewDep,
    case_id: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Form(max_length=200)],
) -> Response:
    """A lead frees the selected cases held by someone else (an absent reviewer), each release audited with
    whose claim it was; the cases go back to their queue at the stage they were in."""
    released = 0
    now = utcnow()
    with review.engine.begin() as conn:
        held = conn.execute(
            select(review_cases.c.case_id, review_cases.c.assignee).where(
                review_cases.c.case_id.in_(case_id), review_cases.c.status == "in_review"
            )
        ).all()
        for one, assignee in held:
            moved = conn.execute(
                update(review_cases)
                .where(review_cases.c.case_id == one, review_cases.c.status == "in_review")
                .values(status="open", assignee=None, claimed_at=None, updated_at=now)
            )
            if moved.rowcount == 1:
                audit.append(
                    conn, me.name, "case.release", f"case:{one}", {"claim_of": assignee, "by_lead": True}
                )
                released += 1
    return back("/queues", note=f"{released} claim(s) released; the cases are back in their queues")
