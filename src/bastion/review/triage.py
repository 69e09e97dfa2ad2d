"""Triage: every report not yet in a case becomes or joins one.

Grouping: a report on an account (or on one of its posts or media) joins the open case of that account; when
the account is a member of a detected network (a stored ``network_member`` signal naming the network), it
joins the network's case instead, so one reviewer sees the whole picture once. Other targets (hashtags,
search terms) group by the target itself. Canary reports go to closed cases of their own: they prove the
path works without ever reaching a reviewer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from bastion.core.model import CANARY_PLATFORM
from bastion.core.signals import declared, lookup, named
from bastion.core.timefmt import utcnow
from bastion.review.case_signals import sync_case_signals
from bastion.review.policy import CATEGORIES, CaseFacts, category_of, rank
from bastion.review.routing import route
from bastion.store.bulk import insert_ignore, keyed_in
from bastion.store.signals import SignalRepository
from bastion.store.tables import accounts, media, posts, reports
from bastion.store.tables_review import (
    joins_case_reports,
    review_case_reports,
    review_cases,
    review_intake,
    review_reporters,
)

#: Declared by graph (graph/kinds.py): membership groups an account's reports into the network's case.
NETWORK_MEMBER = named("network_member")


@dataclass
class TriageStats:
    triaged: int = 0
    created: int = 0
    joined: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds from receipt to queue, API/canary only


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
    for which in keyed_in((posts.c.platform, posts.c.post_id), post_keys):
        q = select(posts.c.platform, posts.c.post_id, posts.c.account_id).where(which)
        for p in conn.execute(q):
            owner[(p.platform, "post", p.post_id)] = p.account_id
    for which in keyed_in((media.c.platform, media.c.media_id), media_keys):
        q = (
            select(media.c.platform, media.c.media_id, posts.c.account_id)
            .join(posts, (posts.c.platform == media.c.platform) & (posts.c.post_id == media.c.post_id))
            .where(which)
        )
        for m in conn.execute(q):
            owner[(m.platform, "media", m.media_id)] = m.account_id
    return owner


def account_facts(
    conn: Connection, keys: list[tuple[str, str]]
) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Per account: the kinds of signal it carries that rank a case (a triage weight or a severity),
    the network it is a member of, and whether it is a minor."""
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    network: dict[tuple[str, str], str] = {}
    minors: set[tuple[str, str]] = set()
    # only kinds that can rank a case or name a network (undeclared kinds rank with the default weight):
    # an account's other signals (case_open, profile traits, ...) are read for nothing, JSON and all
    silent = [k for k in declared() if not (k.triage_weight > 0 or k.raises_severity or k == NETWORK_MEMBER)]
    for s in SignalRepository(conn.engine).on_accounts(keys, conn=conn, excluding=silent):
        key = (s.platform, s.entity_id)
        if s.kind.triage_weight > 0 or s.kind.raises_severity:
            kinds[key].add(s.kind.name)
        if s.kind == NETWORK_MEMBER and s.evidence.get("network_id"):
            network[key] = str(s.evidence["network_id"])
    for which in keyed_in((accounts.c.platform, accounts.c.account_id), keys):
        q2 = select(accounts.c.platform, accounts.c.account_id).where(which, accounts.c.age_band == "minor")
        minors.update((a.platform, a.account_id) for a in conn.execute(q2))
    return kinds, network, minors


def severe_now(conn: Connection, platform: str, account: str | None) -> dict[str, bool]:
    """The severity-raising kinds (a hash match, network membership) an account carries now, as case
    flags: a decision reads them afresh, since a case triaged before detection ran (or while the account
    was held out of networks) was flagged with what was known then."""
    if account is None:
        return {}
    kinds, _, _ = account_facts(conn, [(platform, account)])
    return {k: True for k in sorted(kinds.get((platform, account), ())) if lookup(k).raises_severity}


def _bad_faith(conn: Connection, rows: list[Any]) -> set[tuple[str, str]]:
    keys = sorted({(r.platform, r.reporter_id) for r in rows})
    found: set[tuple[str, str]] = set()
    for which in keyed_in((review_reporters.c.platform, review_reporters.c.reporter_id), keys):
        q = select(review_reporters.c.platform, review_reporters.c.reporter_id).where(
            which, review_reporters.c.bad_faith.is_(True)
        )
        found.update((b.platform, b.reporter_id) for b in conn.execute(q))
    return found


#: What joining an open case reads of it (the whole row carries JSON a sweep would decode for nothing).
_OPEN_COLUMNS = tuple(
    review_cases.c[name]
    for name in (
        "case_id",
        "platform",
        "group_type",
        "group_id",
        "category",
        "flags",
        "report_count",
        "priority",
        "due_at",
        "created_at",
    )
)


def _open_cases(conn: Connection, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Any]:
    """The open case of each group, read in a few queries instead of one per group."""
    found: dict[tuple[str, str, str], Any] = {}
    if conn.dialect.name == "postgresql":
        queries = _open_cases_pg(keys)
    else:
        group = (review_cases.c.platform, review_cases.c.group_type, review_cases.c.group_id)
        queries = [select(*_OPEN_COLUMNS).where(which) for which in keyed_in(group, keys)]
    for q in queries:
        for c in conn.execute(q.where(review_cases.c.status != "closed")):
            found.setdefault((c.platform, c.group_type, c.group_id), c)
    return found


def _open_cases_pg(keys: list[tuple[str, str, str]]) -> list[Any]:
    """One query per (platform, group type), joined to its group ids as an array: an ``IN`` list was
    checked against every case of the prefix when the table had filled faster than its statistics
    (7,000 cases x 400 ids a query), where a join looks each id up."""
    by_prefix: dict[tuple[str, str], list[str]] = defaultdict(list)
    for platform, group_type, group_id in keys:
        by_prefix[(platform, group_type)].append(group_id)
    out = []
    for (platform, group_type), ids in sorted(by_prefix.items()):
        wanted = (
            func.unnest(bindparam("ids", sorted(set(ids)), type_=ARRAY(String)))
            .table_valued("gid")
            .render_derived()
        )
        out.append(
            select(*_OPEN_COLUMNS)
            .join(wanted, review_cases.c.group_id == wanted.c.gid)
            .where(review_cases.c.platform == platform, review_cases.c.group_type == group_type)
        )
    return out


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
        kinds, network, minors = account_facts(conn, acc_keys)
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
        decided = [
            _decide(key, members, account_of[key], open_cases, kinds, minors, bad, now)
            for key, members in groups.items()
        ]
        placed = _write(conn, decided, bad, now, stats)
        route(conn, placed, now=now)  # every case created or joined is in its named queue
        for r in rows:
            if r.received_at is not None and r.source in ("api", "canary"):
                stats.latencies.append(max(0.0, (now - r.received_at).total_seconds()))
        sync_case_signals(conn, placed)
    return stats


@dataclass(slots=True, eq=False)
class _Placement:
    """One group's case: the open one it joins (``case_id``) or a new one, with the values to write."""

    members: list[Any]
    values: dict[str, Any]
    case_id: int | None = None


def _decide(
    key: tuple[str, str, str],
    members: list[Any],
    account: str | None,
    open_cases: dict[tuple[str, str, str], Any],
    kinds: dict[tuple[str, str], set[str]],
    minors: set[tuple[str, str]],
    bad: set[tuple[str, str]],
    now: datetime,
) -> _Placement:
    """Create the group's case or join its open one: what to write (nothing is written here)."""
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
    common = {
        "category": category,
        "severity": ranking.severity,
        "score": ranking.score,
        "flags": flags,
        "report_count": counted,
        "updated_at": now,
    }
    if existing is not None:
        due = min(existing.due_at, existing.created_at + ranking.sla)
        values = common | {"priority": min(ranking.priority, existing.priority), "due_at": due}
        return _Placement(members, values, int(existing.case_id))
    return _Placement(
        members,
        common
        | {
            "platform": platform,
            "group_type": group_type,
            "group_id": group_id,
            "account_id": account,
            "priority": ranking.priority,
            "status": "closed" if canary else "open",
            "stage": "first",
            "outcome": "canary" if canary else None,
            "canary": canary,
            "created_at": now,
            "due_at": now + ranking.sla,
        },
    )


#: The columns a joined case's update writes (bound as ``b_<column>``, apart from the columns themselves).
_JOIN_COLUMNS = ("category", "severity", "priority", "score", "flags", "report_count", "updated_at", "due_at")


def _write(
    conn: Connection,
    placements: list[_Placement],
    bad: set[tuple[str, str]],
    now: datetime,
    stats: TriageStats,
) -> list[int]:
    """All of a sweep's cases in three statements (new cases, joined cases, their reports): one statement a
    case was two round trips each, seconds a sweep on PostgreSQL. Returns the case ids, in order."""
    new = [p for p in placements if p.case_id is None]
    joined = [p for p in placements if p.case_id is not None]
    if new:
        q = insert(review_cases).returning(review_cases.c.case_id, sort_by_parameter_order=True)
        ids = conn.execute(q, [p.values for p in new]).scalars().all()
        for p, case_id in zip(new, ids, strict=True):
            p.case_id = int(case_id)
        stats.created += len(new)
    if joined:
        change = (
            update(review_cases)
            .where(review_cases.c.case_id == bindparam("b_case_id"))
            .values({c: bindparam(f"b_{c}") for c in _JOIN_COLUMNS})
        )
        rows = [{"b_case_id": p.case_id} | {f"b_{c}": p.values[c] for c in _JOIN_COLUMNS} for p in joined]
        conn.execute(change, rows)
        stats.joined += sum(len(p.members) for p in joined)
    links = [
        {
            "platform": r.platform,
            "report_id": r.report_id,
            "case_id": p.case_id,
            "added_at": now,
            "discounted": (r.platform, r.reporter_id) in bad,
        }
        for p in placements
        for r in p.members
    ]
    if links:
        conn.execute(insert(review_case_reports), links)
    stats.triaged += len(links)
    return [int(p.case_id or 0) for p in placements]
