"""Database wiring of ban-evasion detection: ``scan_evasion(store, platform)``, called after each ingest.

Originals are the accounts disabled or deleted by the platform (export ``status``) or by an active Bastion
``disable_account`` action (see ``evasion_originals``); new accounts are the active ones created after the
earliest moment any original can have been disabled, less a look-back (sellers often open the spare account
just before they lose the main one). Each link found is stored in ``enforce_evasion`` with the original's
action id (when Bastion disabled it) and evidence naming both sources, and written as
``Signal(kind="evasion", source="enforce")`` on the new account; a scan replaces the previous scan's links.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from bastion.core.model import EntityType, Signal
from bastion.core.signals import named
from bastion.core.timefmt import utcnow
from bastion.enforce.evasion import NEAR_TYPE, EvasionMatch, EvasionScorer, Profile
from bastion.enforce.evasion_originals import Original, chunks, find_originals
from bastion.enforce.evasion_text import bio_tokens, link_domain
from bastion.enforce.kinds import EVASION
from bastion.media import HASH_TYPES
from bastion.store import Store
from bastion.store.tables import accounts, follows, platforms, posts
from bastion.store.tables_enforce import enforce_evasion
from bastion.store.tables_media import media_hashes

KIND = EVASION
SOURCE = "enforce"
LOOKBACK = timedelta(days=7)


def _links(text: str | None) -> frozenset[str]:
    return frozenset(u for u in (text or "").split(";") if u.strip())


def _profiles(store: Store, platform: str, ids: list[str], rows: dict[str, Any]) -> list[Profile]:
    followers: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    pdq: dict[str, list[str]] = defaultdict(list)
    terms: dict[str, set[str]] = defaultdict(set)
    post_owner: dict[str, str] = {}
    with store.engine.connect() as conn:
        for part in chunks(ids):
            for follower, followee in conn.execute(
                select(follows.c.follower_id, follows.c.followee_id).where(
                    follows.c.platform == platform, follows.c.followee_id.in_(part)
                )
            ):
                followers[followee].add(follower)
            for account, post_id, kind, value in conn.execute(
                select(posts.c.account_id, posts.c.post_id, media_hashes.c.hash_type, media_hashes.c.value)
                .join(
                    media_hashes,
                    (media_hashes.c.platform == posts.c.platform)
                    & (media_hashes.c.post_id == posts.c.post_id),
                    isouter=True,
                )
                .where(posts.c.platform == platform, posts.c.account_id.in_(part))
            ):
                post_owner[post_id] = account
                if kind == NEAR_TYPE.name:
                    pdq[account].append(value)
                elif kind is not None and (t := HASH_TYPES.find(kind)) is not None and not t.perceptual:
                    files[account].add(value)  # an exact hash (md5, sha256): the same file
    wanted = set(ids)
    for s in store.signals.of_kind(named("term_match"), platform):
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
            bio=rows[a].bio or "",
        )
        for a in ids
    ]


def _platform_counts(conn: Connection, platform: str) -> tuple[Counter[str], Counter[str], int]:
    """How many accounts link to each domain and use each bio word, and how many accounts there are."""
    domains: Counter[str] = Counter()
    words: Counter[str] = Counter()
    n = 0
    query = select(accounts.c.external_links, accounts.c.bio).where(accounts.c.platform == platform)
    for links, bio in conn.execute(query):
        n += 1
        domains.update({link_domain(u) for u in _links(links)})
        words.update(bio_tokens(bio or ""))
    return domains, words, n


def _follows_made(conn: Connection, platform: str, followers: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunks(sorted(set(followers))):
        query = (
            select(follows.c.follower_id, func.count())
            .where(follows.c.platform == platform, follows.c.follower_id.in_(part))
            .group_by(follows.c.follower_id)
        )
        out.update({f: int(c) for f, c in conn.execute(query)})
    return out


def scan_evasion(store: Store, platform: str, *, threshold: float = 0.75) -> list[EvasionMatch]:
    """Score new accounts against disabled ones, store the links and signals, and return the links."""
    originals = find_originals(store, platform)
    if not originals:
        _store(store, platform, [], originals)
        return []
    since = min(o.not_before for o in originals.values()) - LOOKBACK
    with store.engine.connect() as conn:
        old_rows = {
            r.account_id: r
            for part in chunks(sorted(originals))
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
            if r.account_id not in originals
        }
        domains, words, n = _platform_counts(conn, platform)
    old_profiles = _profiles(store, platform, sorted(old_rows), old_rows)
    with store.engine.connect() as conn:
        made = _follows_made(conn, platform, (f for p in old_profiles for f in p.followers))
    scorer = EvasionScorer(
        old_profiles,
        domain_counts=domains,
        word_counts=words,
        follows_made=made,
        platform_accounts=n,
        threshold=threshold,
    )
    found = [
        m
        for m in scorer.match_all(_profiles(store, platform, sorted(fresh), fresh))
        if fresh[m.account_id].created_at >= originals[m.original_account_id].not_before - LOOKBACK
    ]
    _store(store, platform, found, originals)
    return found


def _store(
    store: Store, platform: str, found: Iterable[EvasionMatch], originals: dict[str, Original]
) -> None:
    found = list(found)
    now = utcnow()

    def evidence(m: EvasionMatch) -> list[str]:
        return [*originals[m.original_account_id].evidence(), *m.evidence]

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
                        "original_action_id": originals[m.original_account_id].action_id,
                        "score": m.score,
                        "evidence": evidence(m),
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
                    "original_action_id": originals[m.original_account_id].action_id,
                    "original": originals[m.original_account_id].as_json(),
                    "evidence": evidence(m),
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


def store_platforms(store: Store) -> list[str]:
    """Every platform the store holds data for (each may have accounts it disabled itself)."""
    with store.engine.connect() as conn:
        return sorted(conn.scalars(select(platforms.c.name)))
