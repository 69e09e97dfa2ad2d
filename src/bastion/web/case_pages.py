"""One case: the evidence beside a decision panel that stays in view, a preview of what the decision will do
(the operator's decision policy applied to the case's subjects, nothing written), then the decision and a
page of what it did. Second reviewers do not see the first decision (no anchoring); leads and appeals do,
and whoever holds an appeal sees the account holder's reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import insert, select, update

from bastion.api.deps import Lead, ReviewDep, Reviewer
from bastion.core.errors import Conflict, InputError
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.case_signals import record_bad_faith
from bastion.review.evidence import case_evidence
from bastion.store.tables import reports
from bastion.store.tables_review import review_case_reports, review_reporters, review_reveals
from bastion.web import case_context as ctx
from bastion.web.network_view import legend, network_drawing
from bastion.web.outlook import outlook
from bastion.web.pages import Id, back, decision_policy, page, templates

router = APIRouter(include_in_schema=False)
LOST_CLAIM = (
    "your claim on case {} ended (it timed out or was released); your typed decision is kept in this browser"
)


def held(review: Any, me: Principal, case_id: int) -> dict[str, Any]:
    case: dict[str, Any] = review.desk.held(me, case_id)
    return case


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: Id, me: Reviewer, review: ReviewDep) -> Response:
    try:
        case = held(review, me, case_id)
    except Conflict:
        return back("/queues", note=LOST_CLAIM.format(case_id) + "; claim it again to go on", case=case_id)
    found = case_evidence(review.engine, case)
    audit.record(review.engine, me.name, "case.view", f"case:{case_id}", {"via": "console"})
    with review.engine.connect() as conn:
        revealed = {
            r.item
            for r in conn.execute(
                select(review_reveals.c.item).where(
                    review_reveals.c.reviewer == me.name, review_reveals.c.case_id == case_id
                )
            )
        }
    accounts = {a["account_id"] for a in found["accounts"]}
    lead_view = case["stage"] in ("lead", "appeal")
    members = ctx.member_page(found["members"], "score", 1) if found["members"] else None
    appeal = ctx.appeal_reasons(review.engine, [case_id]).get(case_id) if case["stage"] == "appeal" else None
    return page(
        request,
        "case.html",
        me,
        review,
        case=case,
        ev=found,
        revealed=revealed,
        show_history=lead_view,
        tiles=ctx.tile_reasons(found),
        enforced=ctx.enforcement_state(review.engine, case["platform"], accounts),
        history=ctx.case_history(review.engine, case),
        appeal=appeal,
        members=members,
        drawing=network_drawing(review.engine, case["platform"], found["members"]) if members else "",
        legend=legend(),
    )


@router.get("/cases/{case_id}/members")
def members_fragment(
    request: Request,
    case_id: Id,
    me: Reviewer,
    review: ReviewDep,
    sort: Annotated[str, Query(max_length=16)] = "score",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """One page of a network case's members, in the order the reviewer chose (htmx swaps it in place)."""
    case = held(review, me, case_id)
    found = ctx.network_members(review.engine, case["platform"], case["group_id"])
    return templates.TemplateResponse(
        request, "_members.html", {"case": case, "members": ctx.member_page(found, sort, page_no)}
    )


@router.get("/cases/{case_id}/preview")
def decision_preview(
    request: Request,
    case_id: Id,
    me: Reviewer,
    review: ReviewDep,
    outcome: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """What recording ``outcome`` would do, read from the decision policy and the actions in force; nothing
    is written. An appeal that changes the outcome also reverses what the earlier decision did."""
    case = held(review, me, case_id)
    with review.engine.connect() as conn:
        context = outlook(conn, decision_policy(request), review.settings.second_review_rate, case, outcome)
    return templates.TemplateResponse(request, "_preview.html", context)


@router.post("/cases/{case_id}/decide")
def decide(
    case_id: Id,
    me: Reviewer,
    review: ReviewDep,
    outcome: Annotated[str, Form()],
    clause: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        case = review.desk.decide(me, case_id, outcome, clause, reason)
    except Conflict:
        return back("/queues", note=LOST_CLAIM.format(case_id), case=case_id)
    note = f"case {case_id}: {outcome.replace('_', ' ')} recorded"
    if case["status"] == "open":
        note += f"; it goes to {'a second reviewer' if case['stage'] == 'second' else 'a lead'}"
        return back("/queues", note=note, decided=case_id)
    effects = case.get("effects") or {}
    done = [
        f"{len(effects.get(key, []))} {words}"
        for key, words in (
            ("action_ids", "action(s) taken"),
            ("reversed_action_ids", "action(s) reversed"),
            ("report_ids", "CyberTipline draft(s)"),
            ("withdrawn_report_ids", "draft(s) withdrawn"),
        )
        if effects.get(key)
    ]
    note += "; " + (", ".join(done) if done else "no action follows from the policy")
    final = [d for d in case["decisions"] if d.get("final")]
    return back(f"/decisions/{final[-1]['decision_id']}", note=note, decided=case_id)


@router.post("/cases/{case_id}/release")
def release(case_id: Id, me: Reviewer, review: ReviewDep) -> Response:
    review.desk.release(me, case_id)
    return back("/queues", decided=case_id)


@router.post("/cases/{case_id}/discount")
def discount(
    case_id: Id,
    me: Lead,
    review: ReviewDep,
    platform: Annotated[str, Form()],
    reporter_id: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    """Mark a reporter as acting in bad faith: their reports stop counting towards priority and as evidence
    in detection (a ``bad_faith_reporter`` signal), with a record."""
    if not reason.strip():
        raise InputError("a reason is required", field="reason")
    now = utcnow()
    with review.engine.begin() as conn:
        conn.execute(
            review_reporters.delete().where(
                review_reporters.c.platform == platform, review_reporters.c.reporter_id == reporter_id
            )
        )
        conn.execute(
            insert(review_reporters).values(
                platform=platform,
                reporter_id=reporter_id,
                bad_faith=True,
                reason=reason,
                marked_by=me.name,
                marked_at=now,
            )
        )
        theirs = select(reports.c.report_id).where(
            reports.c.platform == platform, reports.c.reporter_id == reporter_id
        )
        conn.execute(
            update(review_case_reports)
            .where(review_case_reports.c.platform == platform, review_case_reports.c.report_id.in_(theirs))
            .values(discounted=True)
        )
        record_bad_faith(conn, platform, reporter_id, reason, me.name)
        audit.append(
            conn,
            me.name,
            "reporter.discount",
            f"reporter:{platform}/{reporter_id}",
            {"reason": reason, "case": case_id},
        )
    return back(f"/cases/{case_id}")
