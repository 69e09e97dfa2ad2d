"""Investigation, for leads: find accounts (id or username), networks, media by hash and cases from one box,
and read one account whole: its signals with evidence, cases, enforcement history and networks. Reading an
account outside a claimed case is an evidence read, so every account page is in the audit log."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select

from bastion.api.deps import Lead, ReviewDep
from bastion.core.errors import NotFound
from bastion.review import audit
from bastion.review.referral import refer
from bastion.store.tables import accounts, posts, signals
from bastion.store.tables_enforce import enforce_actions
from bastion.store.tables_media import media_hashes
from bastion.store.tables_review import review_cases
from bastion.web.case_context import enforcement_state
from bastion.web.pages import back, page

router = APIRouter(include_in_schema=False)
HEX = re.compile(r"^[0-9a-f]{8,64}$")
LIMIT = 50


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(engine: Any, q: str) -> dict[str, list[dict[str, Any]]]:
    """Accounts whose id or username contains ``q``; the network named ``q``; media with a hash of any type
    starting with ``q`` (8+ hex digits); case ``#N``."""
    found: dict[str, list[dict[str, Any]]] = {"accounts": [], "networks": [], "media": [], "cases": []}
    q = q.strip()
    if not q:
        return found
    with engine.connect() as conn:
        pattern = _like(q.lower())
        found["accounts"] = [
            dict(r._mapping)
            for r in conn.execute(
                select(accounts.c.platform, accounts.c.account_id, accounts.c.username, accounts.c.status)
                .where(
                    or_(
                        func.lower(accounts.c.account_id).like(pattern, escape="\\"),
                        func.lower(accounts.c.username).like(pattern, escape="\\"),
                    )
                )
                .order_by(accounts.c.platform, accounts.c.account_id)
                .limit(LIMIT)
            )
        ]
        members: dict[tuple[str, str], int] = {}
        for platform, evidence in conn.execute(
            select(signals.c.platform, signals.c.evidence).where(signals.c.kind == "network_member")
        ):
            if isinstance(evidence, dict) and str(evidence.get("network_id")) == q:
                members[(platform, q)] = members.get((platform, q), 0) + 1
        found["networks"] = [{"platform": p, "network_id": n, "members": c} for (p, n), c in members.items()]
        if HEX.match(q.lower()):
            found["media"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(
                        media_hashes.c.platform,
                        media_hashes.c.post_id,
                        media_hashes.c.media_id,
                        media_hashes.c.hash_type,
                        posts.c.account_id,
                    )
                    .join(
                        posts,
                        (posts.c.platform == media_hashes.c.platform)
                        & (posts.c.post_id == media_hashes.c.post_id),
                    )
                    .where(func.lower(media_hashes.c.value).startswith(q.lower()))
                    .limit(LIMIT)
                )
            ]
        number = q.lstrip("#")
        if number.isdigit() and int(number) < 2**31:  # case ids are 32-bit integers on PostgreSQL
            found["cases"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(
                        review_cases.c.case_id,
                        review_cases.c.platform,
                        review_cases.c.group_type,
                        review_cases.c.group_id,
                        review_cases.c.status,
                        review_cases.c.stage,
                    ).where(review_cases.c.case_id == int(number), review_cases.c.canary.is_(False))
                )
            ]
    return found


@router.get("/investigate")
def investigate(
    request: Request, me: Lead, review: ReviewDep, q: Annotated[str, Query(max_length=255)] = ""
) -> HTMLResponse:
    return page(request, "investigate.html", me, review, q=q, found=search(review.engine, q))


@router.get("/accounts/{platform}/{account_id}")
def account_page(
    request: Request, platform: str, account_id: str, me: Lead, review: ReviewDep
) -> HTMLResponse:
    with review.engine.connect() as conn:
        account = conn.execute(
            select(accounts).where(accounts.c.platform == platform, accounts.c.account_id == account_id)
        ).first()
        if account is None:
            raise NotFound(f"no account {account_id} on {platform}")
        sigs = [
            dict(r._mapping)
            for r in conn.execute(
                select(signals)
                .where(signals.c.platform == platform, signals.c.entity_id == account_id)
                .order_by(signals.c.score.desc())
                .limit(200)
            )
        ]
        networks = sorted(
            {
                (str(s["evidence"].get("network_id")), str(s["evidence"].get("role", "unknown")))
                for s in sigs
                if s["kind"] == "network_member" and isinstance(s["evidence"], dict)
            }
        )
        groups = [review_cases.c.account_id == account_id]
        groups += [
            (review_cases.c.group_type == "network") & (review_cases.c.group_id == n) for n, _role in networks
        ]
        cases = [
            dict(r._mapping)
            for r in conn.execute(
                select(review_cases)
                .where(review_cases.c.platform == platform, review_cases.c.canary.is_(False), or_(*groups))
                .order_by(review_cases.c.case_id.desc())
                .limit(50)
            )
        ]
        actions = [
            dict(r._mapping)
            for r in conn.execute(
                select(enforce_actions)
                .where(enforce_actions.c.platform == platform, enforce_actions.c.account_id == account_id)
                .order_by(enforce_actions.c.action_id.desc())
            )
        ]
    audit.record(
        review.engine, me.name, "account.view", f"account:{platform}/{account_id}", {"via": "console"}
    )
    return page(
        request,
        "account.html",
        me,
        review,
        a=dict(account._mapping),
        signals=sigs,
        networks=networks,
        cases=cases,
        actions=actions,
        enforced=enforcement_state(review.engine, platform, [account_id]).get(account_id, []),
    )


@router.post("/accounts/{platform}/{account_id}/refer")
def refer_account(
    platform: str,
    account_id: str,
    me: Lead,
    review: ReviewDep,
    reason: Annotated[str, Form()],
    network_id: Annotated[str, Form()] = "",
) -> Response:
    """Open a case no one reported, on this account alone or on one of its networks (``referral.py``)."""
    if network_id:
        got = refer(review.engine, me, platform, reason, network=network_id)
    else:
        got = refer(review.engine, me, platform, reason, account=account_id)
    note = f"case {got['case_id']} {'opened' if got['created'] else 'already open'}"
    return back(f"/accounts/{platform}/{account_id}", note=note)
