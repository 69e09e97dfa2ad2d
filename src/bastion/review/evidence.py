"""Everything a reviewer needs for one case, in one read: the account(s), their signals with evidence, the
reports (bad-faith reporters marked), flagged media as placeholders, the network's members and the policy
guidance (the console draws the network itself, web/network_view.py).
Reading it is an evidence read, so callers record it in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, tuple_

from bastion.core.signals import named
from bastion.review.policy import guidance
from bastion.review.subjects import of_network
from bastion.store.signals import SignalRepository, as_dict
from bastion.store.tables import accounts, media, posts, reports
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
                if of_network(s.evidence, case["group_id"]):
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
    text, clauses = guidance(case["category"])
    return {
        "reports": [dict(r._mapping) for r in rep],
        "accounts": account_rows,
        "reported_accounts": sorted(reported),
        "signals": sigs,
        "media": items,
        "members": members,
        "guidance": text,
        "clauses": clauses,
    }
