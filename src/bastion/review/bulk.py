"""A lead's bulk decision: one outcome, clause and reason for several cases, each taken through the normal
path (claim, then :meth:`CaseDesk.decide`, so enforcement's handler acts per case in that case's transaction).
Nothing is bypassed: a case the lead may not claim (taken, closed, a stage not theirs, or one they decided
before, which second review and appeals forbid) is skipped, and a decision that needs a second reviewer goes
to second review instead of closing. Each case's decision is audited on its own, naming the batch."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from bastion.core.errors import Conflict, InputError, NotFound
from bastion.review.auth import Principal
from bastion.review.cases import CaseDesk
from bastion.review.policy import OUTCOMES

MAX_BULK = 100
SKIPPED = "skipped"
DECIDED = "decided"
FAILED = "failed"
#: Why a case a lead ticked cannot be theirs to decide (the preview and the decision say the same).
NOT_YOURS = (
    "taken by someone else, a stage your role does not review, or you decided it before (a second look needs "
    "another person)"
)


def check_bulk(case_ids: Iterable[int], outcome: str, clause: str, reason: str) -> list[int]:
    """The distinct case ids in the order given; the decision's fields checked once for the whole batch."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InputError("select at least one case", field="case_id")
    if len(ids) > MAX_BULK:
        raise InputError(f"at most {MAX_BULK} cases at once", field="case_id")
    if outcome not in OUTCOMES:
        raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    if not clause.strip():
        raise InputError("a policy clause is required", field="clause")
    if not reason.strip():
        raise InputError("a reason is required", field="reason")
    return ids


def where_it_went(case: dict[str, Any]) -> str:
    if case["status"] == "closed":
        return "closed"
    return "sent to a second reviewer" if case["stage"] == "second" else f"sent to stage {case['stage']}"


def decide_many(
    desk: CaseDesk, me: Principal, case_ids: Iterable[int], outcome: str, clause: str, reason: str
) -> tuple[str, list[dict[str, Any]]]:
    """(batch id, one result per case: ``decided`` with where the case went and its effects, ``skipped``
    with why, or ``failed``). A case that fails is released again, never left claimed."""
    ids = check_bulk(case_ids, outcome, clause, reason)
    batch = secrets.token_hex(4)
    results: list[dict[str, Any]] = []
    for case_id in ids:
        try:
            case = desk.get(case_id)
        except NotFound:
            results.append({"case_id": case_id, "result": SKIPPED, "why": "no such case"})
            continue
        if not (case["assignee"] == me.name and case["status"] == "in_review"):
            try:
                desk.claim(me, case_id)
            except Conflict:
                why = "closed" if case["status"] == "closed" else f"not yours to decide: {NOT_YOURS}"
                results.append({"case_id": case_id, "result": SKIPPED, "why": why})
                continue
        try:
            done = desk.decide(me, case_id, outcome, clause, reason, via=f"bulk:{batch}")
        except (Conflict, InputError) as e:
            with suppress(Conflict):  # already free: nothing to give back
                desk.release(me, case_id)
            results.append({"case_id": case_id, "result": FAILED, "why": str(e)})
            continue
        results.append(
            {
                "case_id": case_id,
                "result": DECIDED,
                "why": where_it_went(done),
                "status": done["status"],
                "stage": done["stage"],
                "effects": done.get("effects") or {},
                "decision_id": done["decisions"][-1]["decision_id"],
            }
        )
    return batch, results


__all__ = ["MAX_BULK", "NOT_YOURS", "check_bulk", "decide_many", "where_it_went"]
