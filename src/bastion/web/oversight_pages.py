"""Oversight: the audit log with its chain check, reviewer quality with the pipeline's state. The pipeline
is never called healthy while enforcement sits in dead letters: an action that did not reach the platform is
a takedown not in force. The transparency page gives the figures a platform publishes, with a CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bastion.api.deps import Figures, Oversight, ReviewDep
from bastion.enforce.webhook import dead_letters
from bastion.review import audit
from bastion.review.cases import reviewer_figures
from bastion.web import transparency
from bastion.web.pages import page, system

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


@router.get("/transparency")
def transparency_page(
    request: Request,
    me: Figures,
    review: ReviewDep,
    platform: Annotated[str, Query(max_length=255)] = "",
    period: Annotated[str, Query(max_length=16)] = "month",
) -> HTMLResponse:
    """What the platform publishes, per period, with a CSV of the same rows; printable as it is."""
    store = system(request).store
    known = transparency.platforms(store)
    chosen = platform if platform in known else (known[0] if known else "")
    found = transparency.figures(store, chosen, period) if chosen else None
    return page(
        request,
        "transparency.html",
        me,
        review,
        platforms=known,
        platform=chosen,
        period=period if period in transparency.PERIODS else "month",
        found=found,
        columns=transparency.COLUMNS,
    )


@router.get("/transparency.csv")
def transparency_csv(
    request: Request,
    me: Figures,
    platform: Annotated[str, Query(min_length=1, max_length=255)],
    period: Annotated[str, Query(max_length=16)] = "month",
) -> Response:
    store = system(request).store
    body = transparency.as_csv(platform, transparency.figures(store, platform, period))
    name = f"bastion-transparency-{platform}-{period}.csv".replace('"', "")
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
