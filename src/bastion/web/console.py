"""Console pages. Reviewers see evidence only for a case they hold; media are blurred, greyscale stand-ins
until a deliberate, audited click reveals one item; the page counts each reviewer's reveals in the last hour
and suggests a break past the configured number. Second reviewers do not see the first decision (no
anchoring); leads and appeal reviewers do."""

from __future__ import annotations

import hmac
import io
import math
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from PIL import Image, ImageFilter
from sqlalchemy import insert, select, update

from bastion.api.deps import SESSION_COOKIE, Authenticated, Figures, Lead, Oversight, ReviewDep, Reviewer
from bastion.core.errors import AuthError, Conflict, InputError
from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.enforce.webhook import dead_letters, delivery_counts, requeue
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.cases import reviewer_figures
from bastion.review.evidence import case_evidence
from bastion.review.policy import time_left
from bastion.review.thumbs import thumbnail_png
from bastion.store.tables import media, reports
from bastion.store.tables_media import media_hash
from bastion.store.tables_review import review_case_reports, review_reporters, review_reveals

LOGIN_CSRF = "bastion_login_csrf"
KNOWN_DEVICE = "bastion_known_device"
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter(include_in_schema=False)


def page(request: Request, name: str, me: Principal | None, review: Any, **context: Any) -> HTMLResponse:
    exposure = (
        review.desk.exposure(me.name) if me is not None and me.role in (Role.REVIEWER, Role.LEAD) else 0
    )
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": me,
            "csrf": me.csrf_token if me else "",
            "exposure": exposure,
            "break_after": review.settings.break_after_reveals,
            "time_left": time_left,
            "now": utcnow(),
            **context,
        },
    )


@router.get("/login")
def login_form(request: Request, review: ReviewDep, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, review, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=review.settings.secure_cookies
    )
    return response


@router.post("/login")
def login(
    request: Request,
    review: ReviewDep,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return RedirectResponse("/login?error=form+expired%2C+try+again", status_code=303)
    name, address = name[:255], request.client.host if request.client else "unknown"
    throttle = review.auth.throttle
    device = request.cookies.get(KNOWN_DEVICE, "").encode()
    trusted = hmac.compare_digest(device, review.auth.device_token(name).encode())
    hold = throttle.check(name, address, trusted=trusted)
    if hold is not None:  # answered without checking the password; audited once per burst
        if hold.first_of_burst:
            details = {"by": hold.key, "address": address, "failures": hold.failures}
            audit.record(review.engine, name, "login.throttled", f"user:{name[:200]}", details)
        wait = max(1, math.ceil(hold.wait_seconds))
        held = RedirectResponse(
            f"/login?error=too+many+failed+logins%2C+try+again+in+{wait}+seconds", status_code=303
        )
        held.headers["Retry-After"] = str(wait)
        return held
    try:
        user = review.auth.check_password(name, password)
    except AuthError:
        if throttle.failed(name, address):
            audit.record(review.engine, name, "login.failed", f"user:{name[:200]}")
        return RedirectResponse("/login?error=wrong+name+or+password", status_code=303)
    throttle.succeeded(user.name, address)
    sid, _csrf = review.auth.open_session(user)
    audit.record(review.engine, user.name, "login", f"user:{user.name}")
    target = "/queues" if user.role in (Role.REVIEWER, Role.LEAD) else "/audit"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        secure=review.settings.secure_cookies,
        max_age=int(review.settings.session_hours * 3600),
    )
    response.set_cookie(  # this browser is known-good for this account: the account limit never holds it
        KNOWN_DEVICE,
        review.auth.device_token(user.name),
        httponly=True,
        samesite="strict",
        secure=review.settings.secure_cookies,
        max_age=30 * 24 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, me: Authenticated, review: ReviewDep) -> Response:
    review.auth.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(me: Authenticated) -> Response:
    return RedirectResponse("/queues" if me.role in (Role.REVIEWER, Role.LEAD) else "/audit", status_code=303)


@router.get("/queues")
def queues(request: Request, me: Reviewer, review: ReviewDep, note: str = "") -> HTMLResponse:
    cases = review.desk.queues(me)
    by_priority: dict[int, list[dict[str, Any]]] = {}
    for c in cases:
        by_priority.setdefault(int(c["priority"]), []).append(c)
    return page(request, "queues.html", me, review, by_priority=sorted(by_priority.items()), note=note)


@router.post("/cases/next")
def claim_next(me: Reviewer, review: ReviewDep) -> Response:
    case = review.desk.claim_next(me)
    if case is None:
        return RedirectResponse("/queues?note=nothing+to+claim", status_code=303)
    return RedirectResponse(f"/cases/{case['case_id']}", status_code=303)


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, me: Reviewer, review: ReviewDep) -> Response:
    try:
        review.desk.claim(me, case_id)
    except Conflict:
        return RedirectResponse("/queues?note=that+case+is+taken+or+not+yours+to+review", status_code=303)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _held(review: Any, me: Principal, case_id: int) -> dict[str, Any]:
    case: dict[str, Any] = review.desk.held(me, case_id)
    return case


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, me: Reviewer, review: ReviewDep) -> Response:
    try:
        case = _held(review, me, case_id)
    except Conflict:
        return RedirectResponse("/queues?note=claim+a+case+to+open+it", status_code=303)
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
    show_history = case["stage"] in ("lead", "appeal")
    return page(
        request, "case.html", me, review, case=case, ev=found, revealed=revealed, show_history=show_history
    )


def _media_item(review: Any, case: dict[str, Any], post: str, media_id: str) -> Any:
    with review.engine.connect() as conn:
        row = conn.execute(
            select(media_hash("pdq")).where(
                media.c.platform == case["platform"], media.c.post_id == post, media.c.media_id == media_id
            )
        ).first()
    if row is None:
        raise InputError("no such media item in this case", field="media")
    return row


@router.get("/cases/{case_id}/media.png")
def media_preview(
    case_id: int, post: str, media_id: str, me: Reviewer, review: ReviewDep, view: str = "blurred"
) -> Response:
    """The blurred stand-in always; the clear one only after this reviewer's recorded reveal."""
    case = _held(review, me, case_id)
    row = _media_item(review, case, post, media_id)
    png = thumbnail_png(row.pdq, f"{post}/{media_id}")
    if view == "clear":
        with review.engine.connect() as conn:
            revealed = conn.execute(
                select(review_reveals.c.reveal_id).where(
                    review_reveals.c.reviewer == me.name,
                    review_reveals.c.case_id == case_id,
                    review_reveals.c.item == f"{post}/{media_id}",
                )
            ).first()
        if revealed is None:
            raise Conflict("reveal the item first (the reveal is recorded)")
    else:
        image = Image.open(io.BytesIO(png)).convert("L").filter(ImageFilter.GaussianBlur(10))
        out = io.BytesIO()
        image.save(out, format="PNG")
        png = out.getvalue()
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/cases/{case_id}/reveal")
def reveal(
    request: Request,
    case_id: int,
    me: Reviewer,
    review: ReviewDep,
    post: Annotated[str, Form()],
    media_id: Annotated[str, Form()],
) -> HTMLResponse:
    case = _held(review, me, case_id)
    _media_item(review, case, post, media_id)
    exposure = review.desk.reveal(me, case_id, f"{post}/{media_id}")
    return templates.TemplateResponse(
        request,
        "_revealed.html",
        {
            "case": case,
            "post": post,
            "media_id": media_id,
            "exposure": exposure,
            "break_after": review.settings.break_after_reveals,
        },
    )


@router.post("/cases/{case_id}/decide")
def decide(
    case_id: int,
    me: Reviewer,
    review: ReviewDep,
    outcome: Annotated[str, Form()],
    clause: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    case = review.desk.decide(me, case_id, outcome, clause, reason)
    note = f"case {case_id}: {outcome.replace('_', ' ')} recorded"
    if case["status"] == "open":
        note += f"; it goes to {'a second reviewer' if case['stage'] == 'second' else 'a lead'}"
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
    if done:
        note += "; " + ", ".join(done)
    return RedirectResponse(f"/queues?{urlencode({'note': note})}", status_code=303)


@router.post("/cases/{case_id}/release")
def release(case_id: int, me: Reviewer, review: ReviewDep) -> Response:
    review.desk.release(me, case_id)
    return RedirectResponse("/queues", status_code=303)


@router.post("/cases/{case_id}/discount")
def discount(
    case_id: int,
    me: Lead,
    review: ReviewDep,
    platform: Annotated[str, Form()],
    reporter_id: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    """Mark a reporter as acting in bad faith: their reports stop counting towards priority, with a record."""
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
        audit.append(
            conn,
            me.name,
            "reporter.discount",
            f"reporter:{platform}/{reporter_id}",
            {"reason": reason, "case": case_id},
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request, me: Oversight, review: ReviewDep, subject: str | None = None
) -> HTMLResponse:
    verdict = audit.verify(review.engine)
    rows = audit.recent(review.engine, 200, subject)
    return page(request, "audit.html", me, review, rows=rows, verdict=verdict)


@router.get("/stats")
def stats_page(request: Request, me: Figures, review: ReviewDep) -> HTMLResponse:
    return page(
        request, "stats.html", me, review, figures=reviewer_figures(review.engine), health=review.health()
    )


@router.get("/deliveries")
def deliveries_page(request: Request, me: Figures, review: ReviewDep) -> HTMLResponse:
    """Enforcement actions that never reached the platform: a dead letter is a takedown not yet in force."""
    store = review.store
    return page(
        request,
        "deliveries.html",
        me,
        review,
        counts=delivery_counts(store),
        dead=dead_letters(store),
    )


@router.post("/deliveries/{delivery_id}/requeue")
def requeue_delivery(delivery_id: str, me: Lead, review: ReviewDep) -> Response:
    requeue(review.store, delivery_id)
    audit.record(review.engine, me.name, "delivery.requeue", f"delivery:{delivery_id}")
    return RedirectResponse("/deliveries", status_code=303)
