"""Enforcement as pages: what a decision did, network takedowns (preview, then apply), the action history
with reversal, appeals with the account holder's reason, and deliveries that never reached the platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bastion.api.deps import Authenticated, Figures, Lead, ReviewDep
from bastion.enforce import ActionService, Decision, Takedowns
from bastion.enforce.webhook import action_delivery_status, dead_letters, delivery_counts, requeue
from bastion.report.service import reports_for_decision
from bastion.review import audit
from bastion.store.tables_enforce import enforce_actions
from bastion.store.tables_review import review_cases
from bastion.web.case_context import appeal_reasons
from bastion.web.pages import Id, back, page, system

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(min_length=1, max_length=2_000)]
Name = Annotated[str, Query(min_length=1, max_length=255)]
Note = Annotated[str, Query(max_length=2_000)]


@router.get("/decisions/{decision_id}")
def decision_page(
    request: Request, decision_id: Id, me: Authenticated, review: ReviewDep, note: Note = ""
) -> HTMLResponse:
    """One decision and what carried it out: its actions (with delivery) and CyberTipline drafts."""
    store = system(request).store
    service = ActionService(store)
    decision = service.decision(decision_id)
    actions = service.for_decision(decision_id)
    delivery = action_delivery_status(store, [a.action_id for a in actions])
    return page(
        request,
        "decision.html",
        me,
        review,
        decision=decision,
        actions=actions,
        delivery=delivery,
        drafts=reports_for_decision(store, decision_id),
        note=note,
    )


@router.get("/takedowns/new")
def takedown_preview(
    request: Request, me: Lead, review: ReviewDep, network_id: Name, platform: Name | None = None
) -> HTMLResponse:
    """Every member of the network with the actions a takedown would take and those already in force."""
    preview = Takedowns(system(request).store).preview(network_id, platform)
    return page(request, "takedown_new.html", me, review, p=preview)


@router.post("/takedowns")
def takedown_apply(
    request: Request,
    me: Lead,
    network_id: Annotated[str, Form(min_length=1, max_length=255)],
    platform: Annotated[str, Form(min_length=1, max_length=255)],
    reason: Text,
    clause: Text,
) -> Response:
    result = Takedowns(system(request).store).apply(network_id, Decision(me.name, reason, clause), platform)
    note = f"takedown of {network_id}: {result.created} action(s) taken, {result.skipped} already in force"
    return back(f"/takedowns/{result.takedown_id}", note=note)


@router.get("/takedowns/{takedown_id}")
def takedown_status(
    request: Request, takedown_id: Id, me: Figures, review: ReviewDep, note: Note = ""
) -> HTMLResponse:
    rows = Takedowns(system(request).store).status(takedown_id)
    return page(request, "takedown.html", me, review, takedown_id=takedown_id, rows=rows, note=note)


@router.get("/actions")
def actions_page(
    request: Request,
    me: Figures,
    review: ReviewDep,
    platform: Annotated[str, Query(max_length=255)] = "",
    account: Annotated[str, Query(max_length=255)] = "",
    state: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """The latest 200 actions, filtered; each links to its history (and, for a lead, its reversal)."""
    query = select(enforce_actions).order_by(enforce_actions.c.action_id.desc()).limit(200)
    if platform:
        query = query.where(enforce_actions.c.platform == platform)
    if account:
        query = query.where(enforce_actions.c.account_id == account)
    if state:
        query = query.where(enforce_actions.c.state == state)
    with system(request).store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    filters = {"platform": platform, "account": account, "state": state}
    return page(request, "actions.html", me, review, rows=rows, filters=filters)


@router.get("/actions/{action_id}")
def action_page(
    request: Request, action_id: Id, me: Figures, review: ReviewDep, note: Note = ""
) -> HTMLResponse:
    service = ActionService(system(request).store)
    action = service.get(action_id)
    return page(
        request, "action.html", me, review, action=action, events=service.history(action_id), note=note
    )


@router.post("/actions/{action_id}/reverse")
def action_reverse(request: Request, action_id: Id, me: Lead, reason: Text, clause: Text) -> Response:
    """An upheld appeal outside the case flow: the action is reversed and the reversal delivered."""
    a = ActionService(system(request).store).reverse(action_id, Decision(me.name, reason, clause))
    return back(f"/actions/{action_id}", note=f"action {action_id} is now {a.state}")


@router.get("/appeals")
def appeals_page(request: Request, me: Lead, review: ReviewDep) -> HTMLResponse:
    """Appeals waiting and recently settled, each with the account holder's reason."""
    with review.engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(review_cases)
                .where(review_cases.c.stage == "appeal", review_cases.c.canary.is_(False))
                .order_by(review_cases.c.status != "open", review_cases.c.due_at)
                .limit(200)
            )
        ]
    reasons = appeal_reasons(review.engine, [r["case_id"] for r in rows])
    claimable = {c["case_id"] for c in review.desk.queues(me) if c["claimable"]}
    return page(request, "appeals.html", me, review, rows=rows, reasons=reasons, claimable=claimable)


@router.get("/deliveries")
def deliveries_page(request: Request, me: Figures, review: ReviewDep) -> HTMLResponse:
    """Enforcement actions that never reached the platform: a dead letter is a takedown not yet in force."""
    store = review.store
    return page(
        request, "deliveries.html", me, review, counts=delivery_counts(store), dead=dead_letters(store)
    )


@router.post("/deliveries/{delivery_id}/requeue")
def requeue_delivery(delivery_id: str, me: Lead, review: ReviewDep) -> Response:
    requeue(review.store, delivery_id)
    audit.record(review.engine, me.name, "delivery.requeue", f"delivery:{delivery_id}")
    return back("/deliveries")
