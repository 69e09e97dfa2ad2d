"""CyberTipline reports as pages, for leads: the drafts a decision policy opened, building one (validated
against NCMEC's schema), reading the built XML and the exchanges, and submitting it (the test environment
unless the operator configured production). Every build and submission is in the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bastion.api.deps import Lead, ReviewDep
from bastion.core.errors import BastionError, NotFound
from bastion.report.case import exchanges
from bastion.review import audit
from bastion.store.tables_enforce import cybertip_reports
from bastion.web.pages import Id, back, page, system

router = APIRouter(include_in_schema=False)
Note = Annotated[str, Query(max_length=2_000)]


@router.get("/cybertip")
def cybertip_list(request: Request, me: Lead, review: ReviewDep, note: Note = "") -> HTMLResponse:
    """Drafts first (they wait on a lead), then the latest reports by state."""
    with system(request).store.engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(cybertip_reports)
                .order_by(cybertip_reports.c.status != "draft", cybertip_reports.c.local_id.desc())
                .limit(200)
            )
        ]
    return page(request, "cybertip_list.html", me, review, rows=rows, note=note)


BULK = 100


@router.post("/cybertip/bulk")
def cybertip_bulk(
    request: Request,
    me: Lead,
    review: ReviewDep,
    action: Annotated[str, Form(pattern="^(build|submit)$")],
    local_id: Annotated[list[int], Form(max_length=BULK)],
) -> Response:
    """Build, or submit, the selected reports one by one (a network decision opens dozens of drafts); each
    is audited, and a failure stops none of the others but is named in the note."""
    service = system(request).report
    done, failed = 0, []
    for one in local_id:
        if not 1 <= one < 2**31:
            failed.append(f"{one} (no such report)")
            continue
        try:
            if action == "build":
                built = service.build_draft(one)
                details: dict[str, object] = {"bytes": len(built.xml), "bulk": True}
            else:
                result = service.submit(one, views=[], fetch=lambda _f: None, actor=me.name)
                details = {"ncmec_report_id": result.ncmec_report_id, "status": result.status, "bulk": True}
        except BastionError as exc:
            failed.append(f"{one} ({exc})")
            continue
        audit.record(review.engine, me.name, f"cybertip.{action}", f"cybertip:{one}", details)
        done += 1
    verb = "built and valid" if action == "build" else "submitted"
    note = f"{done} report(s) {verb}" + (f"; not {verb}: {'; '.join(failed)}" if failed else "")
    return back("/cybertip", note=note[:1_900])


@router.get("/cybertip/{local_id}")
def cybertip_report(
    request: Request, local_id: Id, me: Lead, review: ReviewDep, note: Note = "", error: Note = ""
) -> HTMLResponse:
    service = system(request).report
    row = service.report(local_id)
    try:
        xml = service.built_xml(local_id).decode()
    except NotFound:
        xml = ""
    return page(
        request,
        "cybertip_report.html",
        me,
        review,
        r=row,
        xml=xml,
        exchanges=exchanges(service.store, local_id),
        note=note,
        error=error,
        environment=service.settings.cybertip_environment,
    )


@router.post("/cybertip/{local_id}/build")
def cybertip_build(request: Request, local_id: Id, me: Lead, review: ReviewDep) -> Response:
    try:
        built = system(request).report.build_draft(local_id)
    except BastionError as exc:
        return back(f"/cybertip/{local_id}", error=f"not built: {exc}")
    audit.record(review.engine, me.name, "cybertip.build", f"cybertip:{local_id}", {"bytes": len(built.xml)})
    return back(f"/cybertip/{local_id}", note="built and valid against the schema; review it, then submit")


@router.post("/cybertip/{local_id}/submit")
def cybertip_submit(request: Request, local_id: Id, me: Lead, review: ReviewDep) -> Response:
    """Submit and finish; files are described by hash (their bytes are the platform's to upload)."""
    service = system(request).report
    try:
        result = service.submit(local_id, views=[], fetch=lambda _f: None, actor=me.name)
    except BastionError as exc:
        audit.record(review.engine, me.name, "cybertip.submit", f"cybertip:{local_id}", {"error": str(exc)})
        return back(f"/cybertip/{local_id}", error=f"not submitted: {exc}")
    audit.record(
        review.engine,
        me.name,
        "cybertip.submit",
        f"cybertip:{local_id}",
        {"ncmec_report_id": result.ncmec_report_id, "status": result.status},
    )
    return back(
        f"/cybertip/{local_id}",
        note=f"NCMEC report {result.ncmec_report_id} {result.status}; "
        f"{result.files_skipped} file(s) left for the platform to upload",
    )
