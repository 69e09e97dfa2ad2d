"""People, tokens, the audit log, quality figures, pipeline state and metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bastion.api.deps import Admin, Figures, Oversight, ReviewDep, require
from bastion.api.models import (
    AuditEntryPublic,
    AuditVerdict,
    ReviewerFiguresPublic,
    TokenCreated,
    TokenIn,
    UserIn,
    UserPublic,
)
from bastion.core.roles import Role
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.cases import reviewer_figures

router = APIRouter(tags=["admin"])
#: Running the pipeline on demand is a lead's or an admin's call (it re-derives networks reviewers see).
Decider = Annotated[Principal, Depends(require(Role.LEAD, Role.ADMIN))]


@router.post("/v1/users", response_model=UserPublic, status_code=201)
def add_user(body: UserIn, me: Admin, review: ReviewDep) -> UserPublic:
    user_id = review.auth.add_user(body.name, body.role, body.password)
    audit.record(review.engine, me.name, "user.add", f"user:{body.name}", {"role": body.role})
    return UserPublic(user_id=user_id, name=body.name, role=Role(body.role))


@router.post("/v1/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenIn, me: Admin, review: ReviewDep) -> TokenCreated:
    token = review.auth.create_token(body.label, body.role)
    audit.record(review.engine, me.name, "token.create", f"token:{body.label}", {"role": body.role})
    return TokenCreated(label=body.label, role=body.role, token=token)


@router.get("/v1/audit", response_model=list[AuditEntryPublic])
def audit_log(
    me: Oversight,
    review: ReviewDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    subject: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> list[AuditEntryPublic]:
    return [AuditEntryPublic(**r) for r in audit.recent(review.engine, limit, subject)]


@router.get("/v1/audit/verify", response_model=AuditVerdict)
def audit_verify(me: Oversight, review: ReviewDep) -> AuditVerdict:
    v = audit.verify(review.engine)
    return AuditVerdict(ok=v.ok, rows=v.rows, head=v.head, problems=list(v.problems))


@router.get("/v1/stats/reviewers", response_model=list[ReviewerFiguresPublic])
def reviewers(me: Figures, review: ReviewDep) -> list[ReviewerFiguresPublic]:
    return [
        ReviewerFiguresPublic(
            reviewer=f.reviewer,
            decisions=f.decisions,
            checked=f.checked,
            agreement=f.agreement,
            accuracy=f.accuracy,
        )
        for f in reviewer_figures(review.engine)
    ]


@router.get("/v1/pipeline")
def pipeline(me: Figures, review: ReviewDep) -> dict[str, object]:
    return review.health().as_json()


@router.get("/metrics", response_class=Response)
def metrics(me: Oversight, review: ReviewDep) -> Response:
    """Prometheus exposition (scrape with an auditor token)."""
    review.health()
    return Response(generate_latest(review.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.post("/v1/catchup")
def catchup(
    request: Request,
    me: Decider,
    review: ReviewDep,
    platform: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> dict[str, object]:
    """Catch the scans, detection and triage up on the live events stored since the last catch-up (the
    service's leader also does this on a schedule, ``BASTION_CATCHUP_INTERVAL_SECONDS``)."""
    done = request.app.state.bastion.catchup(platform)
    body: dict[str, object] = done.as_json()
    audit.record(
        review.engine, me.name, "catchup.run", f"platform:{platform or '*'}", {"lines": done.lines()}
    )
    return body
