"""What a case page adds to the evidence review gathers: why each media tile is shown and whose it is, the
enforcement already in force on each account, the case's history (earlier cases on the same account or
network, takedowns), the appellant's reason on an appeal, and the network's members sorted and paged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, and_, or_, select

from bastion.review.subjects import of_network
from bastion.store.tables import signals
from bastion.store.tables_enforce import enforce_actions, enforce_takedowns
from bastion.store.tables_review import review_audit, review_cases

MEMBERS_PER_PAGE = 50
MEMBER_SORTS = ("score", "role", "account")
ROLE_ORDER = {"seller": 0, "facilitator": 1, "buyer": 2, "member": 3, "unknown": 4}


def tile_reasons(ev: dict[str, Any]) -> dict[str, dict[str, str]]:
    """For each media item (``post/media``): the account and post it belongs to and why it is shown (the
    hash list entry that matched, or the report that named its post)."""
    matched: dict[str, str] = {}
    for s in ev["signals"]:
        e = s.get("evidence") if isinstance(s.get("evidence"), dict) else {}
        if s["kind"] == "hash_match" and e:
            where = f"list {e.get('list', '?')}"
            if e.get("entry_id") is not None:
                where += f", entry {e['entry_id']}"
            if e.get("distance") is not None:
                where += f", distance {e['distance']}"
            matched[f"{e.get('post_id')}/{e.get('media_id')}"] = f"hash match on {where}"
            matched.setdefault(f"{e.get('post_id')}/*", f"its post has a hash match ({where})")
    reported = {r["target_id"]: r["report_id"] for r in ev["reports"] if r["target_type"] == "post"}
    out = {}
    for m in ev["media"]:
        item = f"{m['post_id']}/{m['media_id']}"
        why = matched.get(item) or matched.get(f"{m['post_id']}/*")
        if why is None and m["post_id"] in reported:
            why = f"its post was reported (report {reported[m['post_id']]})"
        out[item] = {
            "account": str(m.get("account_id") or ""),
            "post": m["post_id"],
            "why": why or "in the case",
        }
    return out


def enforcement_state(engine: Engine, platform: str, account_ids: Iterable[str]) -> dict[str, list[str]]:
    """Actions in force per account (``disable_account``, ``remove_content post-1`` ...)."""
    ids = sorted(set(account_ids))
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            for r in conn.execute(
                select(
                    enforce_actions.c.account_id,
                    enforce_actions.c.kind,
                    enforce_actions.c.target_type,
                    enforce_actions.c.target_id,
                )
                .where(
                    enforce_actions.c.platform == platform,
                    enforce_actions.c.account_id.in_(ids[start : start + 500]),
                    enforce_actions.c.state == "active",
                )
                .order_by(enforce_actions.c.action_id)
            ):
                label = r.kind if r.target_type == "account" else f"{r.kind} {r.target_id}"
                out.setdefault(r.account_id, []).append(label)
    return out


def case_history(engine: Engine, case: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Earlier cases on the same account or network, and takedowns of the case's network."""
    same = [
        and_(review_cases.c.group_type == case["group_type"], review_cases.c.group_id == case["group_id"])
    ]
    if case.get("account_id"):
        same.append(review_cases.c.account_id == case["account_id"])
    with engine.connect() as conn:
        cases = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    review_cases.c.case_id,
                    review_cases.c.category,
                    review_cases.c.status,
                    review_cases.c.outcome,
                    review_cases.c.created_at,
                    review_cases.c.group_type,
                    review_cases.c.group_id,
                )
                .where(
                    review_cases.c.platform == case["platform"],
                    review_cases.c.case_id != case["case_id"],
                    review_cases.c.canary.is_(False),
                    or_(*same),
                )
                .order_by(review_cases.c.case_id.desc())
                .limit(20)
            )
        ]
        takedowns = []
        if case["group_type"] == "network":
            takedowns = [
                dict(r._mapping)
                for r in conn.execute(
                    select(enforce_takedowns)
                    .where(
                        enforce_takedowns.c.platform == case["platform"],
                        enforce_takedowns.c.network_id == case["group_id"],
                    )
                    .order_by(enforce_takedowns.c.takedown_id.desc())
                )
            ]
    return {"cases": cases, "takedowns": takedowns}


def appeal_reasons(engine: Engine, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The latest appeal of each case: the account holder's reason, who filed it and when (audit log)."""
    subjects = {f"case:{i}": i for i in case_ids}
    out: dict[int, dict[str, Any]] = {}
    if not subjects:
        return out
    with engine.connect() as conn:
        for r in conn.execute(
            select(review_audit.c.subject, review_audit.c.actor, review_audit.c.at, review_audit.c.details)
            .where(review_audit.c.action == "case.appeal", review_audit.c.subject.in_(list(subjects)))
            .order_by(review_audit.c.seq)
        ):
            details = r.details if isinstance(r.details, dict) else {}
            out[subjects[r.subject]] = {"reason": str(details.get("reason", "")), "by": r.actor, "at": r.at}
    return out


def network_members(engine: Engine, platform: str, network_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(signals.c.entity_id, signals.c.score, signals.c.evidence).where(
                signals.c.platform == platform, signals.c.kind == "network_member"
            )
        ).all()
    return [
        {"account_id": r.entity_id, "role": str(r.evidence.get("role", "unknown")), "score": r.score}
        for r in rows
        if isinstance(r.evidence, dict) and of_network(r.evidence, network_id)
    ]


def member_page(members: list[dict[str, Any]], sort: str, page_no: int) -> dict[str, Any]:
    """One page of members in the chosen order, with the counts a reader needs to know nothing is hidden."""
    key = sort if sort in MEMBER_SORTS else "score"
    if key == "role":
        ordered = sorted(members, key=lambda m: (ROLE_ORDER.get(m["role"], 9), -m["score"], m["account_id"]))
    elif key == "account":
        ordered = sorted(members, key=lambda m: m["account_id"])
    else:
        ordered = sorted(members, key=lambda m: (-m["score"], m["account_id"]))
    pages = max(1, -(-len(ordered) // MEMBERS_PER_PAGE))
    page_no = min(max(1, page_no), pages)
    start = (page_no - 1) * MEMBERS_PER_PAGE
    return {
        "rows": ordered[start : start + MEMBERS_PER_PAGE],
        "sort": key,
        "page": page_no,
        "pages": pages,
        "total": len(ordered),
        "first": start + 1 if ordered else 0,
        "last": min(start + MEMBERS_PER_PAGE, len(ordered)),
    }
