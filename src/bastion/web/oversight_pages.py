"""Oversight: the audit log with its chain check, reviewer quality with the pipeline's state. The pipeline
is never called healthy while enforcement sits in dead letters: an action that did not reach the platform is
a takedown not in force."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bastion.api.deps import Figures, Oversight, ReviewDep
from bastion.enforce.webhook import dead_letters
from bastion.review import audit
from bastion.review.cases import reviewer_figures
from bastion.web.pages import page

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request, me: Oversight, review: ReviewDep, subject: str | None = None
) -> HTMLResponse:
    verdict = audit.verify(review.engine)
    rows = audit.recent(review.engine, 200, subject)
    return page(request, "audit.html", me, review, rows=rows, verdict=verdict)


def pipeline_problems(review: object) -> tuple[list[str], int]:
    """The monitor's problems plus dead letters, and the pending count."""
    health = review.health()  # type: ignore[attr-defined]
    problems = list(health.problems)
    dead = len(dead_letters(review.store))  # type: ignore[attr-defined]
    if dead:
        problems.append(f"{dead} enforcement action(s) in dead letters, not in force on the platform")
    return problems, int(health.pending)


@router.get("/stats")
def stats_page(request: Request, me: Figures, review: ReviewDep) -> HTMLResponse:
    problems, pending = pipeline_problems(review)
    return page(
        request,
        "stats.html",
        me,
        review,
        figures=reviewer_figures(review.engine),
        problems=problems,
        pending=pending,
    )
