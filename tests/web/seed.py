"""A network case the size a lead meets: N members in roles, a few sellers' posts with synthetic media that
matched a (demo) hash list, follow links, and reports that open a case on the network. No content: media
are PDQ strings of repeated hex digits, drawn as shapes by the thumbnail renderer."""

from __future__ import annotations

from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store.tables import accounts, follows, media, platforms, posts, signals
from bastion.store.tables_media import media_hashes
from review.support import PLATFORM, T0, report

ROLES = ("seller", "facilitator", "buyer", "buyer", "unknown")


def member(i: int) -> str:
    return f"acct-{i:03d}"


def network_case(review: Review, members: int = 150, network: str = "net-9") -> None:
    """Seed the network and its reports, then triage: one open network case."""
    roles = {member(i): ROLES[i % len(ROLES)] for i in range(members)}
    sellers = [a for a, r in roles.items() if r == "seller"][:3]
    with review.engine.begin() as conn:
        conn.execute(platforms.insert().values(name=PLATFORM, first_seen_at=T0))
        conn.execute(
            accounts.insert(),
            [{"platform": PLATFORM, "account_id": a, "created_at": T0, "username": a} for a in roles],
        )
        conn.execute(
            signals.insert(),
            [
                {
                    "platform": PLATFORM,
                    "entity_type": "account",
                    "entity_id": a,
                    "kind": "network_member",
                    "source": "graph",
                    "key": "",
                    "score": round(0.99 - i * 0.004, 3),
                    "created_at": T0,
                    "evidence": {"network_id": network, "role": role, "run_id": 1},
                }
                for i, (a, role) in enumerate(roles.items())
            ],
        )
        links = [
            {"platform": PLATFORM, "follower_id": member(i), "followee_id": member(i % 5), "created_at": T0}
            for i in range(5, members)
        ]
        if links:
            conn.execute(follows.insert(), links)
        for n, seller in enumerate(sellers):
            post = f"post-{seller}"
            conn.execute(
                posts.insert().values(platform=PLATFORM, post_id=post, account_id=seller, created_at=T0)
            )
            items = [{"platform": PLATFORM, "post_id": post, "media_id": f"m{n}{k}"} for k in range(2)]
            conn.execute(media.insert(), items)
            conn.execute(
                media_hashes.insert(),
                [i | {"hash_type": "pdq", "value": f"{n * 2 + k + 1:x}" * 64} for k, i in enumerate(items)],
            )
            conn.execute(
                signals.insert().values(
                    platform=PLATFORM,
                    entity_type="account",
                    entity_id=seller,
                    kind="hash_match",
                    source="media",
                    key=f"{post}:m{n}0",
                    score=1.0,
                    created_at=T0,
                    evidence={
                        "post_id": post,
                        "media_id": f"m{n}0",
                        "list": "demo-known",
                        "entry_id": n + 1,
                        "distance": 4,
                    },
                )
            )
    store_reports(
        review.intake_engine,
        [ReportIn.model_validate(report(f"r{n}", s) | {"platform": PLATFORM}) for n, s in enumerate(sellers)],
    )
    review.triage()
