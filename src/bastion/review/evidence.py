"""Everything a reviewer needs for one case, in one read: the account(s), their signals with evidence, the
reports (bad-faith reporters marked), flagged media as placeholders, the network and the policy guidance.
Reading it is an evidence read, so callers record it in the audit log."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, select, tuple_

from bastion.core.signals import named
from bastion.review.policy import guidance
from bastion.store.signals import SignalRepository, as_dict
from bastion.store.tables import accounts, follows, media, posts, reports
from bastion.store.tables_media import media_hash
from bastion.store.tables_review import joins_case_reports, review_case_reports, review_reporters

MAX_MEDIA = 24
#: Declared by graph (graph/kinds.py): the members of a network case.
NETWORK_MEMBER = named("network_member")
#: Declared by media (media/kinds.py): its evidence names the flagged post.
HASH_MATCH = named("hash_match")


def case_evidence(engine: Engine, case: dict[str, Any]) -> dict[str, Any]:
    platform = case["platform"]
    repo = SignalRepository(engine)
    with engine.connect() as conn:
        rep = conn.execute(
            select(
                reports, review_case_reports.c.discounted, review_reporters.c.reason.label("bad_faith_reason")
            )
            .join(
                review_case_reports,
                joins_case_reports(reports),
            )
            .outerjoin(
                review_reporters,
                (review_reporters.c.platform == reports.c.platform)
                & (review_reporters.c.reporter_id == reports.c.reporter_id),
            )
            .where(review_case_reports.c.case_id == case["case_id"])
            .order_by(reports.c.created_at)
        ).all()
        members: list[dict[str, Any]] = []
        if case["group_type"] == "network":
            for s in repo.of_kind(NETWORK_MEMBER, platform, conn=conn):
                if str(s.evidence.get("network_id")) == case["group_id"]:
                    members.append(
                        {
                            "account_id": s.entity_id,
                            "role": s.evidence.get("role", "unknown"),
                            "score": s.score,
                        }
                    )
            members.sort(key=lambda m: (-m["score"], m["account_id"]))
        account_ids = sorted(
            {m["account_id"] for m in members} | ({case["account_id"]} if case["account_id"] else set())
        )
        reported = {r.target_id for r in rep if r.target_type == "account"}
        account_rows = []
        if account_ids:
            account_rows = [
                dict(a._mapping)
                for a in conn.execute(
                    select(accounts).where(
                        accounts.c.platform == platform, accounts.c.account_id.in_(account_ids)
                    )
                )
            ]
        strongest = repo.strongest(platform, account_ids, excluding=[NETWORK_MEMBER], conn=conn)
        sigs = [as_dict(s) for s in strongest] if account_ids else []
        flagged_posts = {str(s.evidence.get("post_id")) for s in strongest if s.kind == HASH_MATCH}
        flagged_posts |= {r.target_id for r in rep if r.target_type == "post"}
        items = []
        if flagged_posts:
            keys = [(platform, p) for p in sorted(flagged_posts)][:200]
            items = [
                dict(m._mapping)
                for m in conn.execute(
                    select(media.c.post_id, media.c.media_id, media_hash("pdq"), posts.c.account_id)
                    .join(
                        posts, (posts.c.platform == media.c.platform) & (posts.c.post_id == media.c.post_id)
                    )
                    .where(tuple_(media.c.platform, media.c.post_id).in_(keys))
                    .limit(MAX_MEDIA)
                )
            ]
        edges = []
        if len(members) > 1:
            ids = [m["account_id"] for m in members][:60]
            edges = [
                (f.follower_id, f.followee_id)
                for f in conn.execute(
                    select(follows.c.follower_id, follows.c.followee_id).where(
                        follows.c.platform == platform,
                        follows.c.follower_id.in_(ids),
                        follows.c.followee_id.in_(ids),
                    )
                )
            ]
    text, clauses = guidance(case["category"])
    return {
        "reports": [dict(r._mapping) for r in rep],
        "accounts": account_rows,
        "reported_accounts": sorted(reported),
        "signals": sigs,
        "media": items,
        "members": members,
        "graph_svg": network_svg(members[:60], edges),
        "guidance": text,
        "clauses": clauses,
    }


ROLE_COLOURS = {"seller": "#b03a2e", "buyer": "#d68910", "facilitator": "#7d3c98", "unknown": "#5d6d7e"}


def network_svg(members: list[dict[str, Any]], edges: list[tuple[str, str]], size: int = 360) -> str:
    """A circle layout: enough to see who connects to whom without a front-end graph library."""
    if not members:
        return ""
    centre, radius = size / 2, size / 2 - 30
    pos = {}
    for i, m in enumerate(members):
        angle = 2 * math.pi * i / len(members)
        pos[m["account_id"]] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="network members">'
    ]
    for a, b in edges:
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#aab" />')
    for m in members:
        x, y = pos[m["account_id"]]
        colour = ROLE_COLOURS.get(str(m["role"]), ROLE_COLOURS["unknown"])
        label = str(m["account_id"]).replace("<", "").replace("&", "")[:16]
        parts.append(
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="7" fill="{colour}"><title>{label} '
            f"({m['role']})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
