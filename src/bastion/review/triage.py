"""Triage: every report not yet in a case becomes or joins one.

Grouping: a report on an account (or on one of its posts or media) joins the open case of that account; when
the account is a member of a detected network (a stored ``network_member`` signal naming the network), it
joins the network's case instead, so one reviewer sees the whole picture once. Other targets (hashtags,
search terms) group by the target itself. Canary reports go to closed cases of their own: they prove the
path works without ever reaching a reviewer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, tuple_, update

from bastion.core.signals import named
from bastion.core.timefmt import utcnow
from bastion.review.case_signals import sync_case_signals
from bastion.review.policy import CATEGORIES, CaseFacts, category_of, rank
from bastion.review.routing import route
from bastion.store.bulk import insert_ignore
from bastion.store.signals import SignalRepository
from bastion.store.tables import accounts, media, posts, reports
from bastion.store.tables_review import (
    joins_case_reports,
    review_case_reports,
    review_cases,
    review_intake,
    review_reporters,
)

CANARY_PLATFORM = "bastion-canary"
#: Declared by graph (graph/kinds.py): membership groups an account's reports into the network's case.
NETWORK_MEMBER = named("network_member")


@dataclass
class TriageStats:
    triaged: int = 0
    created: int = 0
    joined: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds from receipt to queue, API/canary only


def _chunks(items: list[Any], size: int = 400) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pending(conn: Connection, limit: int) -> list[Any]:
    query = (
        select(reports, review_intake.c.received_at, review_intake.c.source)
        .select_from(
            reports.outerjoin(
                review_case_reports,
                joins_case_reports(reports),
            ).outerjoin(
                review_intake,
                (review_intake.c.platform == reports.c.platform)
                & (review_intake.c.report_id == reports.c.report_id),
            )
        )
        .where(review_case_reports.c.case_id.is_(None))
        .limit(limit)
    )
    return list(conn.execute(query))


def _owners(conn: Connection, rows: list[Any]) -> dict[tuple[str, str, str], str]:
    """(platform, target_type, target_id) -> owning account id, for account, post and media targets."""
    owner: dict[tuple[str, str, str], str] = {}
    post_keys = [(r.platform, r.target_id) for r in rows if r.target_type == "post"]
    media_keys = [(r.platform, r.target_id) for r in rows if r.target_type == "media"]
    for r in rows:
        if r.target_type == "account":
            owner[(r.platform, "account", r.target_id)] = r.target_id
    for chunk in _chunks(post_keys):
        q = select(posts.c.platform, posts.c.post_id, posts.c.account_id).where(
            tuple_(posts.c.platform, posts.c.post_id).in_(chunk)
        )
        for p in conn.execute(q):
            owner[(p.platform, "post", p.post_id)] = p.account_id
    for chunk in _chunks(media_keys):
        q = (
            select(media.c.platform, media.c.media_id, posts.c.account_id)
            .join(posts, (posts.c.platform == media.c.platform) & (posts.c.post_id == media.c.post_id))
            .where(tuple_(media.c.platform, media.c.media_id).in_(chunk))
        )
        for m in conn.execute(q):
            owner[(m.platform, "media", m.media_id)] = m.account_id
    return owner


def _account_facts(
    conn: Connection, keys: list[tuple[str, str]]
) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Per account: the kinds of signal it carries that rank a case (a triage weight or a severity),
    the network it is a member of, and whether it is a minor."""
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    network: dict[tuple[str, str], str] = {}
    minors: set[tuple[str, str]] = set()
    for s in SignalRepository(conn.engine).on_accounts(keys, conn=conn):
        key = (s.platform, s.entity_id)
        if s.kind.triage_weight > 0 or s.kind.raises_severity:
            kinds[key].add(s.kind.name)
        if s.kind == NETWORK_MEMBER and s.evidence.get("network_id"):
            network[key] = str(s.evidence["network_id"])
    for chunk in _chunks(keys):
        q2 = select(accounts.c.platform, accounts.c.account_id).where(
            tuple_(accounts.c.platform, accounts.c.account_id).in_(chunk), accounts.c.age_band == "minor"
        )
        minors.update((a.platform, a.account_id) for a in conn.execute(q2))
    return kinds, network, minors


def _bad_faith(conn: Connection, rows: list[Any]) -> set[tuple[str, str]]:
    keys = sorted({(r.platform, r.reporter_id) for r in rows})
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(keys):
        q = select(review_reporters.c.platform, review_reporters.c.reporter_id).where(
            tuple_(review_reporters.c.platform, review_reporters.c.reporter_id).in_(chunk),
            review_reporters.c.bad_faith.is_(True),
        )
        found.update((b.platform, b.reporter_id) for b in conn.execute(q))
    return found


def _open_cases(conn: Connection, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Any]:
    """The open case of each group, read in a few queries instead of one per group."""
    found: dict[tuple[str, str, str], Any] = {}
    for chunk in _chunks(keys, 300):
        q = select(review_cases).where(
            tuple_(review_cases.c.platform, review_cases.c.group_type, review_cases.c.group_id).in_(chunk),
            review_cases.c.status != "closed",
        )
        for c in conn.execute(q):
            found.setdefault((c.platform, c.group_type, c.group_id), c)
    return found


def _more_severe(a: str, b: str) -> str:
    return a if CATEGORIES.get(a, CATEGORIES["other"])[0] >= CATEGORIES.get(b, CATEGORIES["other"])[0] else b


def triage_pending(engine: Engine, *, limit: int = 5_000, now: datetime | None = None) -> TriageStats:
    """One sweep; safe to run from several processes (PostgreSQL: an advisory lock lets one sweep at a time;
    SQLite: writers are serialised and the report's primary key in ``review_case_reports`` forbids twice)."""
    stats = TriageStats()
    now = now or utcnow()
    with engine.begin() as conn:
        postgres = engine.dialect.name == "postgresql"
        if postgres and not conn.execute(text("SELECT pg_try_advisory_xact_lock(727001)")).scalar():
            return stats
        rows = pending(conn, limit)
        if not rows:
            return stats
        owners = _owners(conn, rows)
        acc_keys = sorted(
            {(r.platform, a) for r in rows if (a := owners.get((r.platform, r.target_type, r.target_id)))}
        )
        kinds, network, minors = _account_facts(conn, acc_keys)
        bad = _bad_faith(conn, rows)
        missing_intake = [
            {"platform": r.platform, "report_id": r.report_id, "received_at": now, "source": "ingest"}
            for r in rows
            if r.received_at is None
        ]
        if missing_intake:
            conn.execute(insert_ignore(engine, review_intake), missing_intake)
        groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        account_of: dict[tuple[str, str, str], str | None] = {}
        for r in rows:
            acc = owners.get((r.platform, r.target_type, r.target_id))
            if r.platform == CANARY_PLATFORM:
                key = (r.platform, "canary", r.report_id)
            elif acc and (r.platform, acc) in network:
                key = (r.platform, "network", network[(r.platform, acc)])
            elif acc:
                key = (r.platform, "account", acc)
            else:
                key = (r.platform, r.target_type, r.target_id)
            groups[key].append(r)
            account_of.setdefault(key, acc)
        open_cases = _open_cases(conn, [k for k in groups if k[1] != "canary"])
        placed = [
            _place(conn, key, members, account_of[key], open_cases, kinds, minors, bad, now, stats)
            for key, members in groups.items()
        ]
        route(conn, placed, now=now)  # every case created or joined is in its named queue
        for r in rows:
            if r.received_at is not None and r.source in ("api", "canary"):
                stats.latencies.append(max(0.0, (now - r.received_at).total_seconds()))
        sync_case_signals(conn)
    return stats


def _place(
    conn: Connection,
    key: tuple[str, str, str],
    members: list[Any],
    account: str | None,
    open_cases: dict[tuple[str, str, str], Any],
    kinds: dict[tuple[str, str], set[str]],
    minors: set[tuple[str, str]],
    bad: set[tuple[str, str]],
    now: datetime,
    stats: TriageStats,
) -> int:
    """Create the group's case or join its open one; returns the case's id."""
    platform, group_type, group_id = key
    canary = group_type == "canary"
    flags_kinds = set(kinds.get((platform, account), set())) if account else set()
    minor = bool(account and (platform, account) in minors)
    # the most severe of the reports' own categories ("other" only when none names one: starting from it
    # would outrank spam, and every spam report would be filed as "other")
    category = category_of(members[0].reason)
    for r in members[1:]:
        category = _more_severe(category_of(r.reason), category)
    counted = sum(1 for r in members if (r.platform, r.reporter_id) not in bad)
    oldest = min(r.created_at for r in members)
    existing = None if canary else open_cases.get(key)
    if existing is not None:
        category = _more_severe(existing.category, category)
        flags_kinds |= {k for k, v in existing.flags.items() if v is True and k != "minor"}
        minor = minor or bool(existing.flags.get("minor"))
        counted += existing.report_count
    facts = CaseFacts(category, frozenset(flags_kinds), minor, counted, oldest, now)
    ranking = rank(facts)
    flags = {k: True for k in sorted(flags_kinds)} | ({"minor": True} if minor else {})
    if existing is not None:
        case_id = int(existing.case_id)
        conn.execute(
            update(review_cases)
            .where(review_cases.c.case_id == case_id)
            .values(
                category=category,
                severity=ranking.severity,
                priority=min(ranking.priority, existing.priority),
                score=ranking.score,
                flags=flags,
                report_count=counted,
                updated_at=now,
                due_at=min(existing.due_at, existing.created_at + ranking.sla),
            )
        )
        stats.joined += len(members)
    else:
        result = conn.execute(
            insert(review_cases).values(
                platform=platform,
                group_type=group_type,
                group_id=group_id,
                account_id=account,
                category=category,
                severity=ranking.severity,
                priority=ranking.priority,
                score=ranking.score,
                flags=flags,
                status="closed" if canary else "open",
                stage="first",
                outcome="canary" if canary else None,
                report_count=counted,
                canary=canary,
                created_at=now,
                updated_at=now,
                due_at=now + ranking.sla,
            )
        )
        case_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        stats.created += 1
    conn.execute(
        insert(review_case_reports),
        [
            {
                "platform": r.platform,
                "report_id": r.report_id,
                "case_id": case_id,
                "added_at": now,
                "discounted": (r.platform, r.reporter_id) in bad,
            }
            for r in members
        ],
    )
    stats.triaged += len(members)
    return case_id
