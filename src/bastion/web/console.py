"""The review console: HTML pages over the review desk, enforcement and CyberTipline reports, one module per
page group. Reviewers see evidence only for a case they hold; media are blurred stand-ins until a deliberate,
audited reveal; every route has an access rule in :mod:`bastion.api.policy`."""

from __future__ import annotations

from fastapi import APIRouter

from bastion.web import (
    auth_pages,
    bulk_pages,
    case_pages,
    cybertip_pages,
    enforce_pages,
    evidence_pages,
    investigate_pages,
    oversight_pages,
    queue_pages,
    routing_pages,
)

router = APIRouter(include_in_schema=False)
for pages in (
    auth_pages,
    routing_pages,
    bulk_pages,
    queue_pages,
    case_pages,
    evidence_pages,
    enforce_pages,
    cybertip_pages,
    investigate_pages,
    oversight_pages,
):
    router.include_router(pages.router)

__all__ = ["router"]
