"""``POST /v1/reports``: one report or a batch; answered only after the commit."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from bastion.api.batches import (
    batch_body,
    batch_items,
    batch_responses,
    batch_status,
    positions,
    store_isolating,
)
from bastion.api.deps import Platform, ReviewDep
from bastion.api.models import ErrorOut, IntakeResponse, ItemResultPublic, ReportStatus
from bastion.api.sanitise import poison
from bastion.core.errors import InputError, NotFound
from bastion.core.roles import Role
from bastion.review.intake import ItemResult, ReportIn, merge, validate
from bastion.review.service import Review
from bastion.store.tables_review import joins_case_reports, review_case_reports, review_intake

router = APIRouter(tags=["intake"])

BODY_DOC = batch_body({"$ref": "#/components/schemas/ReportIn"}, "reports")


def _items(body: Any) -> tuple[list[object], bool]:
    return batch_items(body, "reports", 'a report object, a list of reports or {"reports": [...]}')


@router.post(
    "/v1/reports",
    response_model=IntakeResponse,
    openapi_extra=BODY_DOC,
    responses=batch_responses(IntakeResponse, "report"),
)
async def post_reports(request: Request, principal: Platform, review: ReviewDep) -> JSONResponse:
    """Store reports; per item: stored, duplicate (same report_id seen before) or rejected (field named).

    Single report: 201 stored, 200 duplicate, 422 rejected. Batch: 200 all accepted, 207 some rejected (the
    rest are stored), 422 none accepted."""
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:
        raise InputError(f"body is not JSON: {exc}", field="body") from exc
    raw, batch = _items(body)
    platform = principal.platform if principal.role == Role.PLATFORM else None
    valid, rejected = validate(raw, platform=platform, idem_key=request.headers.get("idempotency-key"))
    for index, item in enumerate(raw):
        found = poison(item)
        if found is not None and index not in rejected:
            rid = item.get("report_id") if isinstance(item, dict) else None
            rejected[index] = ItemResult(
                index, rid if isinstance(rid, str) else None, "rejected", found[0], found[1]
            )
    valid = [(i, item) for i, item in valid if i not in rejected]
    statuses = await store_valid(review, valid, rejected)
    results = merge(len(raw), valid, statuses, rejected)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("stored", "duplicate", "rejected")}
    for status in ("stored", "duplicate"):
        if counts[status]:
            review.metrics.acknowledged.labels(status).inc(counts[status])
    answer = IntakeResponse(
        **counts,
        items=[
            ItemResultPublic(**{k: getattr(r, k) for k in ItemResultPublic.model_fields}) for r in results
        ],
    )
    code = batch_status(batch, [r.status for r in results])
    return JSONResponse(answer.model_dump(mode="json"), status_code=code)


async def store_valid(
    review: Review, valid: list[tuple[int, ReportIn]], rejected: dict[int, ItemResult]
) -> list[str]:
    """The valid items' statuses; the ones the database refuses are rejected by name (``valid`` and
    ``rejected`` are updated in place)."""
    statuses, bad = await store_isolating(
        review.writer.submit,
        [item for _, item in valid],
        refused=(DataError, IntegrityError, ValueError, UnicodeError),
        what="reports",
    )
    kept, refused = positions(valid, bad)
    valid[:] = kept
    for index, item in refused:
        rejected[index] = ItemResult(index, item.report_id, "rejected", "report", "cannot be stored")
    return statuses


@router.get(
    "/v1/reports/{platform}/{report_id}",
    response_model=ReportStatus,
    responses={404: {"model": ErrorOut, "description": "no such report (or not this token's platform)"}},
)
def report_status(
    platform: Annotated[str, Path(min_length=1, max_length=255)],
    report_id: Annotated[str, Path(min_length=1, max_length=255)],
    principal: Platform,
    review: ReviewDep,
) -> ReportStatus:
    """Where a report is: received when, in which case since when."""
    if principal.role == Role.PLATFORM and principal.platform != platform:
        raise NotFound(f"report {report_id!r} not found")
    query = (
        select(review_intake.c.received_at, review_case_reports.c.case_id, review_case_reports.c.added_at)
        .select_from(
            review_intake.outerjoin(
                review_case_reports,
                joins_case_reports(review_intake),
            )
        )
        .where(review_intake.c.platform == platform, review_intake.c.report_id == report_id)
    )
    with review.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"report {report_id!r} not found")
    return ReportStatus(
        platform=platform,
        report_id=report_id,
        received_at=row.received_at,
        case_id=row.case_id,
        queued_at=row.added_at,
    )
