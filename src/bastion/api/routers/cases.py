"""Cases over JSON: the queue, claims, evidence (audited), decisions and appeals, with the console's
safeguards: evidence only for the case you hold, and no earlier decision shown to a second reviewer (blind
second review); leads and appeal reviewers see the history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from bastion.api.access import check_owner
from bastion.api.deps import Appeals, ReviewDep, Reviewer
from bastion.api.models import AppealIn, CaseEvidence, CasePublic, DecisionIn, ReferIn
from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.evidence import case_evidence
from bastion.review.policy import time_left
from bastion.review.referral import refer

router = APIRouter(tags=["cases"])
INT64 = 2**63 - 1
CaseId = Annotated[int, Path(ge=1, le=INT64)]
#: Stages whose reviewer may see every earlier decision (the console shows them the history too).
HISTORY_STAGES = ("lead", "appeal")


def public(case: dict[str, Any], me: Principal) -> CasePublic:
    """The case as ``me`` may see it: outside lead and appeal review only one's own decisions."""
    decisions = case.get("decisions", [])
    shown = {k: v for k, v in case.items() if k in CasePublic.model_fields and k != "decisions"}
    if me.role == Role.PLATFORM:  # a platform learns the state of its case, not who reviewed it or why
        decisions, shown["assignee"] = [], None
    elif case["stage"] not in HISTORY_STAGES and case["status"] != "closed":
        decisions = [d for d in decisions if d["reviewer"] == me.name]
    return CasePublic(
        **shown,
        decisions=decisions,
        time_left=time_left(case["due_at"], utcnow()),
    )


@router.get("/v1/cases", response_model=list[CasePublic])
def queue(me: Reviewer, review: ReviewDep) -> list[CasePublic]:
    """Open cases, most urgent first (priority, then time left)."""
    return [public(c, me) for c in review.desk.queues(me)]


@router.post("/v1/cases/refer")
def refer_case(body: ReferIn, me: Reviewer, review: ReviewDep) -> dict[str, Any]:
    """Open a case no one reported, on an account (judged alone, even a network's member) or a detected
    network, or answer the one already open on it (``created`` false); audited with the reason."""
    return refer(
        review.engine,
        me,
        body.platform,
        body.reason,
        account=body.account_id,
        network=body.network_id,
        category=body.category,
    )


@router.post("/v1/cases/next", response_model=CasePublic, responses={204: {"description": "queue empty"}})
def claim_next(me: Reviewer, review: ReviewDep) -> Any:
    case = review.desk.claim_next(me)
    return Response(status_code=204) if case is None else public(case, me)


@router.post("/v1/cases/{case_id}/claim", response_model=CasePublic)
def claim(case_id: CaseId, me: Reviewer, review: ReviewDep) -> CasePublic:
    return public(review.desk.claim(me, case_id), me)


@router.get("/v1/cases/{case_id}", response_model=CaseEvidence)
def evidence(case_id: CaseId, me: Reviewer, review: ReviewDep) -> CaseEvidence:
    """The case with its evidence, for the reviewer who holds it; every read is written to the audit log."""
    case = review.desk.held(me, case_id)
    found = case_evidence(review.engine, case)
    audit.record(review.engine, me.name, "case.view", f"case:{case_id}", {"via": "api"})
    found.pop("reported_accounts", None)
    return CaseEvidence(case=public(case, me), **found)


@router.post("/v1/cases/{case_id}/decision", response_model=CasePublic)
def decide(case_id: CaseId, body: DecisionIn, me: Reviewer, review: ReviewDep) -> CasePublic:
    return public(review.desk.decide(me, case_id, body.outcome, body.clause, body.reason), me)


@router.post("/v1/cases/{case_id}/appeal", response_model=CasePublic)
def appeal(case_id: CaseId, body: AppealIn, me: Appeals, review: ReviewDep) -> CasePublic:
    """An account holder's appeal (sent by the platform or entered by a lead) re-opens the case for a
    reviewer who has not decided on it before. A platform may appeal only its own cases."""
    check_owner(me, review.desk.get(case_id)["platform"], f"case {case_id}")
    return public(review.desk.appeal(me, case_id, body.reason, platform=me.platform), me)
