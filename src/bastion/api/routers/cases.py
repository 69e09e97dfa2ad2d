"""Cases over JSON: the queue, claims, evidence (audited), decisions and appeals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from bastion.api.deps import Appeals, ReviewDep, Reviewer
from bastion.api.models import AppealIn, CaseEvidence, CasePublic, DecisionIn
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.evidence import case_evidence
from bastion.review.policy import time_left

router = APIRouter(tags=["cases"])


def public(case: dict[str, Any]) -> CasePublic:
    return CasePublic(
        **{k: v for k, v in case.items() if k in CasePublic.model_fields},
        time_left=time_left(case["due_at"], utcnow()),
    )


@router.get("/v1/cases", response_model=list[CasePublic])
def queue(me: Reviewer, review: ReviewDep) -> list[CasePublic]:
    """Open cases, most urgent first (priority, then time left)."""
    return [public(c) for c in review.desk.queues(me)]


@router.post("/v1/cases/next", response_model=CasePublic, responses={204: {"description": "queue empty"}})
def claim_next(me: Reviewer, review: ReviewDep) -> Any:
    case = review.desk.claim_next(me)
    return Response(status_code=204) if case is None else public(case)


@router.post("/v1/cases/{case_id}/claim", response_model=CasePublic)
def claim(case_id: int, me: Reviewer, review: ReviewDep) -> CasePublic:
    return public(review.desk.claim(me, case_id))


@router.get("/v1/cases/{case_id}", response_model=CaseEvidence)
def evidence(case_id: int, me: Reviewer, review: ReviewDep) -> CaseEvidence:
    """The case with its evidence; every read is written to the audit log."""
    case = review.desk.get(case_id)
    found = case_evidence(review.engine, case)
    audit.record(review.engine, me.name, "case.view", f"case:{case_id}", {"via": "api"})
    found.pop("graph_svg", None)
    found.pop("reported_accounts", None)
    return CaseEvidence(case=public(case), **found)


@router.post("/v1/cases/{case_id}/decision", response_model=CasePublic)
def decide(case_id: int, body: DecisionIn, me: Reviewer, review: ReviewDep) -> CasePublic:
    return public(review.desk.decide(me, case_id, body.outcome, body.clause, body.reason))


@router.post("/v1/cases/{case_id}/appeal", response_model=CasePublic)
def appeal(case_id: int, body: AppealIn, me: Appeals, review: ReviewDep) -> CasePublic:
    """An account holder's appeal (sent by the platform or entered by a lead) re-opens the case for a
    reviewer who has not decided on it before."""
    return public(review.desk.appeal(me, case_id, body.reason))
