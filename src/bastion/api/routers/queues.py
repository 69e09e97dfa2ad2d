"""Named queues over JSON: reviewers read them with counts and ageing; a lead creates, edits, orders and
deletes them, re-routes open cases after changing the rules, and decides several cases at once (each through
the normal decision path, see bastion.review.bulk). Every change is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.deps import Lead, ReviewDep, Reviewer
from bastion.review import queue_edits, routing
from bastion.review.bulk import MAX_BULK, decide_many

router = APIRouter(tags=["queues"])
QueueId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class QueueIn(BaseModel):
    """A queue's name and rule: conditions that must all hold (each list means "any of these")."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=routing.MAX_NAME)
    rule: dict[str, Any] = Field(
        default_factory=dict,
        examples=[
            {"categories": ["child_safety"], "priorities": [1], "roles": ["reviewer"], "min_network": 10}
        ],
    )


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queue_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(max_length=500)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=MAX_BULK)
    outcome: str = Field(max_length=32)
    clause: str = Field(max_length=500)
    reason: str = Field(max_length=5000)


@router.get("/v1/queues")
def queues(me: Reviewer, review: ReviewDep) -> list[dict[str, Any]]:
    """Every queue in routing order: its rule, open and in-review cases, how many you could claim, overdue
    cases and the oldest wait (seconds)."""
    claimable = review.desk.claimable_by_queue(me)
    with review.engine.begin() as conn:
        found = routing.summary(conn)
    return [q | {"claimable": claimable.get(q["queue_id"], 0)} for q in found]


@router.post("/v1/queues", status_code=201)
def create(body: QueueIn, me: Lead, review: ReviewDep) -> dict[str, Any]:
    """A new queue, last in routing order before the default one; open cases move on re-route."""
    rule = routing.QueueRule.parse(body.rule)
    with review.engine.begin() as conn:
        queue_id = queue_edits.create_queue(conn, me.name, body.name, rule)
    return {"queue_id": queue_id, "name": body.name, "rule": rule.as_json()}


@router.put("/v1/queues/{queue_id}")
def edit(queue_id: QueueId, body: QueueIn, me: Lead, review: ReviewDep) -> dict[str, Any]:
    rule = routing.QueueRule.parse(body.rule)
    with review.engine.begin() as conn:
        queue_edits.update_queue(conn, me.name, queue_id, body.name, rule)
    return {"queue_id": queue_id, "name": body.name, "rule": rule.as_json()}


@router.delete("/v1/queues/{queue_id}")
def delete(queue_id: QueueId, me: Lead, review: ReviewDep) -> dict[str, int]:
    """Delete a queue (never the default one); its cases are routed again at once."""
    with review.engine.begin() as conn:
        moved = queue_edits.delete_queue(conn, me.name, queue_id)
    return {"queue_id": queue_id, "rerouted": moved}


@router.post("/v1/queues/order")
def order(body: OrderIn, me: Lead, review: ReviewDep) -> dict[str, list[int]]:
    """The routing order: every queue but the default one (always last), each once."""
    with review.engine.begin() as conn:
        queue_edits.reorder(conn, me.name, body.queue_ids)
    return {"queue_ids": body.queue_ids}


@router.post("/v1/queues/reroute")
def reroute(me: Lead, review: ReviewDep) -> dict[str, int]:
    """Apply the current rules to every open case; returns how many changed queue."""
    with review.engine.begin() as conn:
        return {"moved": queue_edits.reroute(conn, me.name)}


@router.post("/v1/cases/bulk-decision")
def bulk_decision(body: BulkIn, me: Lead, review: ReviewDep) -> dict[str, Any]:
    """One decision for several cases, each claimed and decided through the normal path (so blind second
    review and the policy's actions apply per case); returns each case's result."""
    batch, results = decide_many(review.desk, me, body.case_ids, body.outcome, body.clause, body.reason)
    return {"batch": batch, "results": results}
