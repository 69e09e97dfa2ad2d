"""A lead's queue rules: named queues in routing order, each with a rule on the case's category, signals,
platform, stage, the role it needs, priority, network size and age. A case goes to the first queue whose rule
it matches and the default queue takes the rest. New and changed rules apply to cases as triage and decisions
route them; "re-route open cases" applies them to everything open now. Every change is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from bastion.api.deps import Lead, ReviewDep
from bastion.core.errors import InputError, NotFound
from bastion.review import queue_edits, routing
from bastion.review.policy import CATEGORIES
from bastion.web.pages import Id, back, page

router = APIRouter(include_in_schema=False)
Names = Annotated[list[str], Form(max_length=20)]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=12)]
Note = Annotated[str, Query(max_length=500)]


def rule_form(
    categories: Names = [],  # noqa: B006 (FastAPI copies defaults)
    stages: Names = [],  # noqa: B006
    roles: Names = [],  # noqa: B006
    priorities: Names = [],  # noqa: B006
    kinds: Text = "",
    platforms: Text = "",
    min_network: Short = "",
    min_age_hours: Short = "",
) -> dict[str, Any]:
    """The rule's fields as the form sent them (names typed comma- or space-separated); parsed on save."""
    return {
        "categories": categories,
        "stages": stages,
        "roles": roles,
        "priorities": priorities,
        "kinds": kinds,
        "platforms": platforms,
        "min_network": min_network,
        "min_age_hours": min_age_hours,
    }


RuleForm = Annotated[dict[str, Any], Depends(rule_form)]
QueueName = Annotated[str, Form(max_length=200)]


def _choices() -> dict[str, Any]:
    return {
        "all_categories": sorted(CATEGORIES),
        "all_stages": routing.STAGES,
        "all_roles": routing.ROLES,
        "all_priorities": (1, 2, 3, 4),
    }


@router.get("/queues/rules")
def rules_page(request: Request, me: Lead, review: ReviewDep, note: Note = "") -> HTMLResponse:
    with review.engine.begin() as conn:
        queues = routing.summary(conn)
    return page(
        request,
        "queue_rules.html",
        me,
        review,
        queues=queues,
        note=note,
        rule=routing.QueueRule(),
        **_choices(),
    )


@router.get("/queues/rules/{queue_id}")
def edit_page(request: Request, queue_id: Id, me: Lead, review: ReviewDep, note: Note = "") -> HTMLResponse:
    with review.engine.begin() as conn:
        found = next((q for q in routing.load_queues(conn) if q.queue_id == queue_id), None)
    if found is None:
        raise NotFound(f"queue {queue_id} does not exist")
    return page(request, "queue_rule.html", me, review, queue=found, rule=found.rule, note=note, **_choices())


def _save(review: Any, me: Any, queue_id: int | None, name: str, rule: dict[str, Any]) -> Response:
    where = "/queues/rules" if queue_id is None else f"/queues/rules/{queue_id}"
    try:
        parsed = routing.QueueRule.parse(rule)
        with review.engine.begin() as conn:
            if queue_id is None:
                queue_edits.create_queue(conn, me.name, name, parsed)
            else:
                queue_edits.update_queue(conn, me.name, queue_id, name, parsed)
    except InputError as e:
        return back(where, note=f"not saved: {e}")
    said = "created" if queue_id is None else "saved"
    return back("/queues/rules", note=f"queue {name!r} {said}; re-route open cases to apply it to them now")


@router.post("/queues/rules")
def create(me: Lead, review: ReviewDep, name: QueueName, rule: RuleForm) -> Response:
    return _save(review, me, None, name, rule)


@router.post("/queues/rules/{queue_id}")
def edit(queue_id: Id, me: Lead, review: ReviewDep, name: QueueName, rule: RuleForm) -> Response:
    return _save(review, me, queue_id, name, rule)


@router.post("/queues/rules/{queue_id}/move")
def move(queue_id: Id, me: Lead, review: ReviewDep, step: Annotated[int, Form(ge=-1, le=1)]) -> Response:
    """Up (-1) or down (+1) in the routing order."""
    try:
        with review.engine.begin() as conn:
            queue_edits.move(conn, me.name, queue_id, step)
    except InputError as e:
        return back("/queues/rules", note=str(e))
    return back("/queues/rules", note="order saved; re-route open cases to apply it to them now")


@router.post("/queues/rules/{queue_id}/delete")
def delete(queue_id: Id, me: Lead, review: ReviewDep) -> Response:
    try:
        with review.engine.begin() as conn:
            moved = queue_edits.delete_queue(conn, me.name, queue_id)
    except InputError as e:
        return back("/queues/rules", note=str(e))
    return back("/queues/rules", note=f"queue deleted; its {moved} case(s) were routed again")


@router.post("/queues/reroute")
def reroute(me: Lead, review: ReviewDep) -> Response:
    with review.engine.begin() as conn:
        moved = queue_edits.reroute(conn, me.name)
    return back("/queues/rules", note=f"open cases routed again: {moved} changed queue")
