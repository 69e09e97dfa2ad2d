"""A case no one reported: a reviewer or lead puts an account or a detected network before review.

Why: cases came only from reports, so an account detection flagged that no one reported (a journalist who
follows a network's sellers, say) could be neither judged nor cleared, and an outside check filed made-up
reports to reach it. A referral opens the case triage would have opened, ranked the same way, with no
report in it (so detection reads nothing new about the account), and audited with who referred it and
why. An account referred alone is judged alone, even when it is a network's member: a report on a member
joins the network's case, whose decision covers every member, while this asks about the one account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select

from bastion.core.errors import InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.case_signals import sync_case_signals
from bastion.review.policy import CATEGORIES, CHILD_SAFETY, CaseFacts, rank
from bastion.review.routing import route
from bastion.review.subjects import network_members
from bastion.review.triage import account_facts
from bastion.store.tables import accounts
from bastion.store.tables_review import review_cases


def refer(
    engine: Engine,
    me: Principal,
    platform: str,
    reason: str,
    *,
    account: str | None = None,
    network: str | None = None,
    category: str = CHILD_SAFETY,
) -> dict[str, Any]:
    """Open a case on ``account`` or on ``network`` (one of them), or return the one already open on it:
    ``{"case_id", "created"}``."""
    if (account is None) == (network is None):
        raise InputError("refer an account or a network, one of them", field="account")
    if not reason.strip():
        raise InputError("a reason is required", field="reason")
    if category not in CATEGORIES:
        raise InputError(f"category must be one of {', '.join(CATEGORIES)}", field="category")
    group = ("account", account) if account is not None else ("network", str(network))
    now = utcnow()
    with engine.begin() as conn:
        if network is not None and not network_members(conn, platform, network):
            raise NotFound(f"no network {network!r} on {platform!r} now (see `bastion networks`)")
        if account is not None and not _known(conn, platform, account):
            raise NotFound(f"no account {account!r} on platform {platform!r}")
        c = review_cases.c
        open_case = conn.execute(
            select(c.case_id).where(
                c.platform == platform,
                c.group_type == group[0],
                c.group_id == group[1],
                c.status != "closed",
            )
        ).first()
        if open_case is not None:
            return {"case_id": int(open_case.case_id), "created": False}
        kinds, member_of, minors = account_facts(conn, [(platform, account)]) if account else ({}, {}, set())
        flags_kinds = set(kinds.get((platform, account), ())) if account else {"network_member"}
        minor = account is not None and (platform, account) in minors
        ranking = rank(CaseFacts(category, frozenset(flags_kinds), minor, 0, None, now))
        flags = {k: True for k in sorted(flags_kinds)} | ({"minor": True} if minor else {})
        created = conn.execute(
            insert(review_cases).values(
                platform=platform,
                group_type=group[0],
                group_id=group[1],
                account_id=account,
                category=category,
                severity=ranking.severity,
                priority=ranking.priority,
                score=ranking.score,
                flags=flags,
                status="open",
                stage="first",
                report_count=0,
                canary=False,
                created_at=now,
                updated_at=now,
                due_at=now + ranking.sla,
            )
        )
        key = created.inserted_primary_key
        assert key is not None
        case_id = int(key[0])
        details = {"group_type": group[0], "group_id": group[1], "category": category, "reason": reason}
        if account is not None and (platform, account) in member_of:
            details["member_of"] = member_of[(platform, account)]
        audit.append(conn, me.name, "case.refer", f"case:{case_id}", details)
        route(conn, [case_id], now=now)
        sync_case_signals(conn, [case_id])
    return {"case_id": case_id, "created": True}


def _known(conn: Any, platform: str, account: str) -> bool:
    q = select(accounts.c.account_id).where(accounts.c.platform == platform, accounts.c.account_id == account)
    return conn.execute(q).first() is not None
