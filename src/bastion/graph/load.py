"""Database wiring, read side: one platform's ingested tables and stored signals -> :class:`AccountGraph`.

The only module of the pure detection core that reads the store. Signals other capabilities stored
(``term_match``, ``blocked_search``, ``hash_match``, and any other kind whose producer declares it
evidence, or that no installed capability declares) are used when present and never required; reports,
link-in-bio domains and posting pattern are derived here from the ingested tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import func, select

from bastion.core.model import EntityType, Signal
from bastion.core.signals import SignalKind, lookup
from bastion.graph.container import AGE_CODES, AGE_UNKNOWN, AccountGraph, NodeAttributes
from bastion.graph.signals import (
    BLOCKED_SEARCH,
    DERIVED_KINDS,
    HASH_MATCH,
    REPORT,
    SHARED_LINK,
    TERM_MATCH,
)
from bastion.store import Store
from bastion.store.tables import (
    accounts,
    follows,
    interactions,
    messages,
    platforms,
    posts,
    recommendations,
    reports,
    seeds,
)

#: Signals stored by other capabilities that the detector reads when they exist, read first in this order
#: (account indices follow first appearance); every other stored evidence kind follows, by name.
UPSTREAM_KINDS = (TERM_MATCH, BLOCKED_SEARCH, HASH_MATCH)
#: A report whose reason mentions spam says little about this harm; others count in full.
SPAM_REPORT_WEIGHT = 0.25
#: A link domain held by more accounts than this share of the platform is a common service, not a hub
#: that ties suspects together (keeps big link-in-bio providers from flagging everyone who uses them).
COMMON_DOMAIN_SHARE = 0.02
COMMON_DOMAIN_MIN = 20


def report_signal(weight_sum: Any) -> Any:
    """The ``report`` signal's strength from the summed weights of an account's distinct reporters."""
    w = np.asarray(weight_sum, dtype=np.float64)
    return np.where(w > 0, 1.0 - 0.5**w, 0.0)


def shared_domain_signal(holders: Any) -> Any:
    """The ``shared_link`` strength of a domain held by ``holders`` accounts (2..cap): more, stronger."""
    return 0.5 + 0.5 * np.minimum(1.0, (np.asarray(holders, dtype=np.float64) - 2) / 8)


_FACT_KEYS = ("term", "evasions", "column", "field", "query", "list", "entry_id", "distance", "post_id")


@dataclass(slots=True)
class LoadedPlatform:
    """The graph plus what the dossier needs that the detectors do not: link domains and signal facts."""

    graph: AccountGraph
    domains: dict[int, list[str]] = field(default_factory=dict)
    facts: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)


def stored_seeds(store: Store, platform: str) -> list[str]:
    with store.engine.connect() as conn:
        q = select(seeds.c.account_id).where(seeds.c.platform == platform).order_by(seeds.c.account_id)
        return [r[0] for r in conn.execute(q)]


def link_domain(url: str) -> str:
    text = url.strip()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    return host.removeprefix("www.").lower()


class _Ids:
    """Account id -> index; edges to accounts missing from the accounts table still become nodes."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, account_id: str) -> int:
        i = self.index.get(account_id)
        if i is None:
            i = self.index[account_id] = len(self.ids)
            self.ids.append(account_id)
        return i

    def many(self, values: Iterable[str]) -> np.ndarray:
        return np.fromiter((self(v) for v in values), dtype=np.int64)


def load_platform(store: Store, platform: str) -> LoadedPlatform:
    """Read every table the detectors use; one pass each, arrays built in bulk."""
    ids = _Ids()
    with store.engine.connect() as conn:

        def rows(query: Any) -> Iterator[Any]:
            yield from conn.execution_options(stream_results=True).execute(query)

        acc = list(
            rows(
                select(
                    accounts.c.account_id,
                    accounts.c.created_at,
                    accounts.c.age_band,
                    accounts.c.external_links,
                )
                .where(accounts.c.platform == platform)
                .order_by(accounts.c.account_id)  # one index per account, run after run
            )
        )
        ids.many(r.account_id for r in acc)
        f = list(
            rows(
                select(
                    follows.c.follower_id, follows.c.followee_id, follows.c.created_at, follows.c.source
                ).where(follows.c.platform == platform)
            )
        )
        inter = list(
            rows(
                select(
                    interactions.c.actor_id,
                    interactions.c.target_account_id,
                    func.sum(interactions.c.count),
                    interactions.c.kind,
                )
                .where(interactions.c.platform == platform)
                .group_by(interactions.c.actor_id, interactions.c.target_account_id, interactions.c.kind)
            )
        )
        msg = list(
            rows(
                select(messages.c.sender_id, messages.c.recipient_id, messages.c.count).where(
                    messages.c.platform == platform
                )
            )
        )
        rec = list(
            rows(
                select(recommendations.c.viewer_id, recommendations.c.recommended_id, func.count())
                .where(recommendations.c.platform == platform)
                .group_by(recommendations.c.viewer_id, recommendations.c.recommended_id)
            )
        )
        post_rows = list(
            rows(
                select(posts.c.post_id, posts.c.account_id, posts.c.kind).where(posts.c.platform == platform)
            )
        )
        rep = list(
            rows(
                select(
                    reports.c.reporter_id, reports.c.target_type, reports.c.target_id, reports.c.reason
                ).where(reports.c.platform == platform)
            )
        )
        exported = conn.execute(select(platforms.c.exported_at).where(platforms.c.name == platform)).scalar()

    src, dst = ids.many(r.follower_id for r in f), ids.many(r.followee_id for r in f)
    t = np.array([int(r.created_at.timestamp()) for r in f], dtype=np.int64)
    from_rec = np.array([r.source == "recommendation" for r in f], dtype=bool)
    trips = [_triples(ids, r) for r in (inter, msg, rec, [r for r in inter if r.kind == "share"])]
    post_owner = {r.post_id: r.account_id for r in post_rows}
    for r in post_rows:
        ids(r.account_id)

    # reports: distinct reporters per account, on the account or on one of its posts
    reporters: dict[str, dict[str, float]] = defaultdict(dict)
    for r in sorted(rep, key=lambda r: (r.reporter_id, r.target_type, r.target_id)):
        target = r.target_id if r.target_type == "account" else post_owner.get(r.target_id)
        if target is None:
            continue
        ids(r.reporter_id)
        ids(target)  # a live report can arrive before its target's account row: the target is a node too
        w = SPAM_REPORT_WEIGHT if "spam" in (r.reason or "").lower() else 1.0
        slot = reporters[target]
        slot[r.reporter_id] = max(slot.get(r.reporter_id, 0.0), w)

    facts: dict[tuple[int, str], list[dict[str, Any]]] = {}
    upstream: dict[str, dict[int, float]] = {}
    for signal_kind in upstream_kinds(store, platform):
        kind = signal_kind.name
        for s in sorted(store.signals.of_kind(signal_kind, platform), key=lambda s: (s.entity_id, -s.score)):
            owner = _owner(s, post_owner)
            if owner is None:
                continue
            i = ids(owner)
            strength = upstream.setdefault(kind, {})
            strength[i] = max(strength.get(i, 0.0), float(s.score))
            got = facts.setdefault((i, kind), [])
            if len(got) < 3:
                got.append({k: s.evidence[k] for k in _FACT_KEYS if k in s.evidence})
            got[0]["total"] = int(got[0].get("total", 0)) + 1

    n = len(ids.ids)
    sig: dict[str, np.ndarray] = {}
    for kind, vals in upstream.items():
        arr = np.zeros(n)
        arr[list(vals)] = list(vals.values())
        sig[kind] = arr
    rep_arr = np.zeros(n)
    rep_src: list[int] = []
    rep_dst: list[int] = []
    rep_w: list[float] = []
    for a, who in reporters.items():
        for reporter, weight in who.items():
            rep_src.append(ids.index[reporter])
            rep_dst.append(ids.index[a])
            rep_w.append(weight)
        rep_arr[ids.index[a]] = report_signal(sum(who.values()))
        facts[(ids.index[a], REPORT)] = [{"reporters": len(who)}]
    sig[REPORT] = rep_arr

    domains = {ids.index[r.account_id]: _domains(r.external_links) for r in acc if r.external_links}
    domains = {i: d for i, d in domains.items() if d}
    sig[SHARED_LINK] = _shared_link_strength(domains, n, facts)

    ref = exported or _latest([r.created_at for r in acc] + [r.created_at for r in f])
    attrs = NodeAttributes.empty(n)
    for r in acc:
        i = ids.index[r.account_id]
        attrs.age_band[i] = AGE_CODES.get(r.age_band or "unknown", AGE_UNKNOWN)
        if ref is not None:
            attrs.account_age_days[i] = max(0.0, (ref - r.created_at).total_seconds() / 86_400)
    kinds: dict[int, Counter[str]] = defaultdict(Counter)
    for r in post_rows:
        kinds[ids.index[r.account_id]][r.kind] += 1
    attrs.post_count[: len(acc)] = 0.0
    attrs.stories_ratio[: len(acc)] = 0.0
    for i, c in kinds.items():
        total = sum(v for k, v in c.items() if k != "comment")
        attrs.post_count[i] = total
        attrs.stories_ratio[i] = c["story"] / total if total else 0.0

    graph = AccountGraph.from_arrays(
        platform,
        ids.ids,
        (src, dst),
        follow_times=t,
        follow_from_rec=from_rec,
        interactions=trips[0],
        shares=trips[3],
        messages=trips[1],
        recommendations=trips[2],
        reports=(np.array(rep_src, dtype=np.int64), np.array(rep_dst, dtype=np.int64), np.array(rep_w)),
        attrs=attrs,
        signals=sig,
    )
    return LoadedPlatform(graph, domains, facts)


def upstream_kinds(store: Store, platform: str) -> list[SignalKind]:
    """The stored kinds read as own evidence: the known ones, then any other evidence kind present."""
    stored = [k for k in store.signals.kinds(platform) if k.evidence and k.name not in DERIVED_KINDS]
    return [*map(lookup, UPSTREAM_KINDS), *(k for k in stored if k.name not in UPSTREAM_KINDS)]


def _triples(ids: _Ids, rows: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if not rows:
        return None
    a = ids.many(r[0] for r in rows)
    b = ids.many(r[1] for r in rows)
    return a, b, np.array([float(r[2] or 1) for r in rows])


def _owner(s: Signal, post_owner: dict[str, str]) -> str | None:
    if s.entity_type == EntityType.ACCOUNT:
        return s.entity_id
    if s.entity_type == EntityType.POST:
        return post_owner.get(s.entity_id)
    return None


def _domains(links: str) -> list[str]:
    return sorted({d for d in (link_domain(u) for u in links.split(";")) if d})


def _shared_link_strength(
    domains: dict[int, list[str]], n: int, facts: dict[tuple[int, str], list[dict[str, Any]]]
) -> np.ndarray:
    """Domains held by 2..cap accounts tie those accounts together; more holders, stronger the tie."""
    holders = Counter(d for ds in domains.values() for d in ds)
    cap = max(COMMON_DOMAIN_MIN, int(COMMON_DOMAIN_SHARE * n))
    out = np.zeros(n)
    for i, ds in domains.items():
        shared = [(d, holders[d]) for d in ds if 2 <= holders[d] <= cap]
        if shared:
            k = max(h for _, h in shared)
            out[i] = shared_domain_signal(k)
            facts[(i, SHARED_LINK)] = [{"domain": d, "accounts": h} for d, h in shared[:3]]
    return out


def _latest(values: list[datetime]) -> datetime | None:
    return max(values) if values else None
