"""Database wiring of ban-evasion detection: ``scan_evasion(store, platform)``, called after each ingest.

Originals are the accounts with an active ``disable_account`` action; new accounts are the active ones
created after the earliest such decision (less a look-back, since sellers often open the spare account just
before they lose the main one). Each link found is stored in ``enforce_evasion`` with the original's action
id, and written as ``Signal(kind="evasion", source="enforce")`` on the new account; a scan replaces the
previous scan's links for the platform.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.enforce.actions import ActionService
from bastion.enforce.evasion import EvasionMatch, EvasionScorer, Profile, link_domain
from bastion.store import Store
from bastion.store.tables import accounts, follows, media, posts
from bastion.store.tables_enforce import enforce_evasion

KIND = "evasion"
SOURCE = "enforce"
LOOKBACK = timedelta(days=7)
_CHUNK = 500


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _links(text: str | None) -> frozenset[str]:
    return frozenset(u for u in (text or "").split(";") if u.strip())


def _profiles(store: Store, platform: str, ids: list[str], rows: dict[str, Any]) -> list[Profile]:
    followers: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    pdq: dict[str, list[str]] = defaultdict(list)
    terms: dict[str, set[str]] = defaultdict(set)
    post_owner: dict[str, str] = {}
    with store.engine.connect() as conn:
        for part in _chunks(ids):
            for follower, followee in conn.execute(
                select(follows.c.follower_id, follows.c.followee_id).where(
                    follows.c.platform == platform, follows.c.followee_id.in_(part)
                )
            ):
                followers[followee].add(follower)
            for account, post_id, md5, sha, p in conn.execute(
                select(posts.c.account_id, posts.c.post_id, media.c.md5, media.c.sha256, media.c.pdq)
                .join(
                    media,
                    (media.c.platform == posts.c.platform) & (media.c.post_id == posts.c.post_id),
                    isouter=True,
                )
                .where(posts.c.platform == platform, posts.c.account_id.in_(part))
            ):
                post_owner[post_id] = account
                files[account].update(h for h in (md5, sha) if h)
                if p:
                    pdq[account].append(p)
    wanted = set(ids)
    for s in store.signals.of_kind("term_match", platform):
        owner = s.entity_id if s.entity_type == EntityType.ACCOUNT else post_owner.get(s.entity_id)
        term = s.evidence.get("term")
        if owner in wanted and term:
            terms[owner].add(str(term).casefold())
    return [
        Profile(
            account_id=a,
            username=rows[a].username or "",
            display_name=rows[a].display_name or "",
            links=_links(rows[a].external_links),
            followers=frozenset(followers[a]),
            files=frozenset(files[a]),
            pdq=tuple(pdq[a]),
            terms=frozenset(terms[a]),
        )
        for a in ids
    ]


def _domain_counts(conn: Connection, platform: str) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    n = 0
    for (links,) in conn.execute(select(accounts.c.external_links).where(accounts.c.platform == platform)):
        n += 1
        counts.update({link_domain(u) for u in _links(links)})
    return counts, n


def scan_evasion(store: Store, platform: str, *, threshold: float = 0.8) -> list[EvasionMatch]:
    """Score new accounts against disabled ones, store the links and signals, and return the links."""
    disabled = ActionService(store).disabled_since(platform)
    if not disabled:
        store.signals.replace(SOURCE, KIND, platform, [])
        return []
    since = min(at for _, at in disabled.values()) - LOOKBACK
    with store.engine.connect() as conn:
        originals = {
            r.account_id: r
            for part in _chunks(list(disabled))
            for r in conn.execute(
                select(accounts).where(accounts.c.platform == platform, accounts.c.account_id.in_(part))
            )
        }
        fresh = {
            r.account_id: r
            for r in conn.execute(
                select(accounts).where(
                    accounts.c.platform == platform,
                    accounts.c.created_at >= since,
                    accounts.c.status == "active",
                )
            )
            if r.account_id not in disabled
        }
        domains, n = _domain_counts(conn, platform)
    scorer = EvasionScorer(
        _profiles(store, platform, sorted(originals), originals),
        domain_counts=domains,
        platform_accounts=n,
        threshold=threshold,
    )
    found = []
    for m in scorer.match_all(_profiles(store, platform, sorted(fresh), fresh)):
        _action, decided = disabled[m.original_account_id]
        if fresh[m.account_id].created_at >= decided - LOOKBACK:
            found.append(m)
    _store(store, platform, found, disabled)
    return found


def _store(store: Store, platform: str, found: Iterable[EvasionMatch], disabled: dict[str, Any]) -> None:
    found = list(found)
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(delete(enforce_evasion).where(enforce_evasion.c.platform == platform))
        if found:
            conn.execute(
                insert(enforce_evasion),
                [
                    {
                        "platform": platform,
                        "account_id": m.account_id,
                        "original_account_id": m.original_account_id,
                        "original_action_id": disabled[m.original_account_id][0],
                        "score": m.score,
                        "evidence": m.evidence,
                        "found_at": now,
                    }
                    for m in found
                ],
            )
    store.signals.replace(
        SOURCE,
        KIND,
        platform,
        [
            Signal(
                platform,
                EntityType.ACCOUNT,
                m.account_id,
                KIND,
                SOURCE,
                min(1.0, m.score),
                {
                    "original_account_id": m.original_account_id,
                    "original_action_id": disabled[m.original_account_id][0],
                    "evidence": m.evidence,
                },
            )
            for m in found
        ],
    )


def evasion_links(store: Store, platform: str | None = None) -> list[dict[str, Any]]:
    """Stored links as other tools read them: account_id, original_account_id, score, evidence."""
    query = select(enforce_evasion).order_by(enforce_evasion.c.platform, enforce_evasion.c.account_id)
    if platform is not None:
        query = query.where(enforce_evasion.c.platform == platform)
    with store.engine.connect() as conn:
        return [
            {
                "platform": r.platform,
                "account_id": r.account_id,
                "original_account_id": r.original_account_id,
                "original_action_id": r.original_action_id,
                "score": round(r.score, 4),
                "evidence": list(r.evidence),
            }
            for r in conn.execute(query)
        ]
