"""Database wiring, read side: one platform's ingested tables and stored signals -> :class:`AccountGraph`.

With ``graph/tables_state.py`` (the tables, read whole or patched from the change log),
``graph/domains.py`` (the domains an operator allowed), ``graph/reporters.py`` (verdicts and marks, as
reporters' track records) and ``graph/clearances_read.py`` (the accounts reviewers cleared, and what is
dated since), the only modules of the pure detection core that read the
store. Signals other capabilities stored
(``term_match``, ``blocked_search``, ``hash_match``, and any other kind whose producer declares it
evidence, or that no installed capability declares) are used when present and never required; reports,
link-in-bio domains and posting pattern are derived here from the ingested tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from bastion.core.model import EntityType, Signal
from bastion.core.signals import SignalKind, lookup
from bastion.graph.clearances_read import ClearanceReader
from bastion.graph.container import AccountGraph, NodeAttributes
from bastion.graph.domains import BenignDomains, covered, link_domain
from bastion.graph.keyed import KeyedPairs, NodeIds
from bastion.graph.reporters import TrackRecord, newest_verdicts, reviewed, track_records
from bastion.graph.reports import SPAM_REPORT_WEIGHT
from bastion.graph.signals import (
    BLOCKED_SEARCH,
    DERIVED_KINDS,
    HASH_MATCH,
    REPORT,
    SHARED_LINK,
    TERM_MATCH,
)
from bastion.graph.tables_state import OTHER, STORY, PlatformTables
from bastion.store import Store
from bastion.store.tables import platforms, seeds

#: Signals stored by other capabilities that the detector reads when they exist, read first in this order;
#: every other stored evidence kind follows, by name.
UPSTREAM_KINDS = (TERM_MATCH, BLOCKED_SEARCH, HASH_MATCH)
#: A link domain held by more accounts than this share of the platform is a common service, not a hub
#: that ties suspects together (keeps big link-in-bio providers from flagging everyone who uses them).
COMMON_DOMAIN_SHARE = 0.02
COMMON_DOMAIN_MIN = 20
#: ... nor one held by more than this many, however large the platform: a storefront is held by one
#: cell, a few dozen accounts at most; a domain hundreds hold is a service, a marketplace or an
#: institution (outside checks on github-musae, 37,700 accounts: a photo site 581 ordinary accounts
#: linked, and a university's site a class of 200 linked, each tied its holders as suspects).
COMMON_DOMAIN_MAX = 100


def report_signal(weight_sum: Any) -> Any:
    """The ``report`` signal's strength from the summed weights of an account's distinct reporters."""
    w = np.asarray(weight_sum, dtype=np.float64)
    return np.where(w > 0, 1.0 - 0.5**w, 0.0)


def shares_domain(holders: Any, n: int) -> Any:
    """Whether a domain held by ``holders`` of ``n`` accounts ties them (2..cap: more is a common service)."""
    cap = min(COMMON_DOMAIN_MAX, max(COMMON_DOMAIN_MIN, int(COMMON_DOMAIN_SHARE * n)))
    return (holders >= 2) & (holders <= cap)


def shared_domain_signal(holders: Any) -> Any:
    """The ``shared_link`` strength of a domain held by ``holders`` accounts (2..cap): more, stronger."""
    return 0.5 + 0.5 * np.minimum(1.0, (np.asarray(holders, dtype=np.float64) - 2) / 8)


_FACT_KEYS = ("term", "evasions", "column", "field", "query", "list", "entry_id", "distance", "post_id")


@dataclass(slots=True)
class LoadedPlatform:
    """The graph plus what the dossier needs that the detectors do not: link domains and signal facts; and
    the domains the operator allowed (``domains.py``), which tied no one in this build."""

    graph: AccountGraph
    domains: dict[int, list[str]] = field(default_factory=dict)
    facts: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    benign: tuple[str, ...] = ()


def stored_seeds(store: Store, platform: str) -> list[str]:
    with store.engine.connect() as conn:
        q = select(seeds.c.account_id).where(seeds.c.platform == platform).order_by(seeds.c.account_id)
        return [r[0] for r in conn.execute(q)]


def load_platform(store: Store, platform: str) -> LoadedPlatform:
    """Read every table the detectors use (one pass each) and build the graph."""
    return build_platform(store, PlatformTables.read(store, platform))


def build_platform(store: Store, tables: PlatformTables) -> LoadedPlatform:
    """The graph of a platform's tables (read whole or patched) and its stored signals.

    Nodes are every account row and every account an edge, a post, a resolved report or a signal names,
    ordered account rows first, each part by id, and edges sorted, so the same tables give the same graph
    however they were read."""
    platform, nodes = tables.platform, tables.nodes
    with store.engine.connect() as conn:
        exported = conn.execute(select(platforms.c.exported_at).where(platforms.c.name == platform)).scalar()

    # reports: distinct reporters per account, on the account or on one of its posts
    reporters: dict[int, dict[int, float]] = defaultdict(dict)
    for r in tables.reports.values():
        owner = tables.posts.get(r.target_id) if r.target_type != "account" else None
        if r.target_type != "account" and owner is None:
            continue
        target = nodes(r.target_id) if owner is None else owner[0]
        w = SPAM_REPORT_WEIGHT if "spam" in r.reason.lower() else 1.0
        slot = reporters[target]
        reporter = nodes(r.reporter)
        slot[reporter] = max(slot.get(reporter, 0.0), w)

    facts: dict[tuple[int, str], list[dict[str, Any]]] = {}
    upstream: dict[str, dict[int, float]] = {}
    verdicts = newest_verdicts(store, platform)  # read once: for reporters' records and for clearances
    clearances = ClearanceReader(store, platform, nodes.index.get, verdicts)
    for signal_kind in upstream_kinds(store, platform):
        kind = signal_kind.name
        for s in sorted(store.signals.of_kind(signal_kind, platform), key=lambda s: (s.entity_id, -s.score)):
            i = _owner(s, tables, nodes)
            if i is None:
                continue
            clearances.saw(i, s)
            strength = upstream.setdefault(kind, {})
            strength[i] = max(strength.get(i, 0.0), float(s.score))
            got = facts.setdefault((i, kind), [])
            if len(got) < 3:
                got.append({k: s.evidence[k] for k in _FACT_KEYS if k in s.evidence})
            got[0]["total"] = int(got[0].get("total", 0)) + 1

    order = _Order(tables, reporters, upstream)
    n = order.n
    sig: dict[str, np.ndarray] = {}
    for kind, vals in upstream.items():
        arr = np.zeros(n)
        arr[order.rank[list(vals)]] = list(vals.values())
        sig[kind] = arr
    rep_arr = np.zeros(n)
    rep: list[tuple[int, int, float]] = []
    # a report made after a verdict on its account was not judged by it: no mark on its reporter's record
    after = clearances.reports_since(_report_owner(tables))
    judged = {a: {r: w for r, w in who.items() if r not in after.get(a, ())} for a, who in reporters.items()}
    records = track_records(judged, *reviewed(store, platform, nodes, verdicts))
    for a, who in reporters.items():
        weighed = {r: w * records[r].weight if r in records else w for r, w in who.items()}
        rep += [
            (int(order.rank[reporter]), int(order.rank[a]), w) for reporter, w in weighed.items() if w > 0
        ]
        rep_arr[order.rank[a]] = report_signal(sum(weighed.values()))
        facts[(a, REPORT)] = [
            {"reporters": len(who), **_track_facts(records[r] for r in who if r in records)}
        ]
    sig[REPORT] = rep_arr
    facts = {(int(order.rank[i]), kind): v for (i, kind), v in facts.items()}

    domains = {int(order.rank[i]): _domains(links) for i, (_, _, links) in tables.accounts.items() if links}
    domains = {i: d for i, d in domains.items() if d}
    benign = BenignDomains(store).names()
    tying = {i: [d for d in ds if not covered(d, benign)] for i, ds in domains.items()}
    sig[SHARED_LINK], linked = _shared_link_strength(tying, n, facts)

    f = tables.follows
    src, dst, keep = order.edges(f)
    t = f.values("t")[keep]
    ref = exported.timestamp() if exported is not None else _latest(tables)
    attrs = order.attributes(ref)
    for reporter, record in records.items():  # reports borne out are no mass reporting (a trusted flagger)
        attrs.reports_confirmed[order.rank[reporter]] = record.confirmed
    rep_edges = np.array(sorted(rep), dtype=np.float64).reshape(-1, 3)
    cleared = clearances.read(
        lambda r: records[r].weight if r in records else 1.0, lambda i: int(order.rank[i])
    )
    graph = AccountGraph.from_arrays(
        platform,
        order.ids,
        (src, dst),
        follow_times=t.astype(np.int64),
        follow_from_rec=f.values("rec")[keep],
        interactions=order.triple(tables.interactions, "all"),
        shares=order.triple(tables.interactions, "share"),
        messages=order.triple(tables.messages, "count"),
        replies=order.triple(tables.messages, "reply"),
        recommendations=order.triple(tables.recommendations, "count"),
        reports=(rep_edges[:, 0].astype(np.int64), rep_edges[:, 1].astype(np.int64), rep_edges[:, 2]),
        attrs=attrs,
        signals=sig,
        shared={SHARED_LINK: linked},
    )
    graph.cleared = cleared
    return LoadedPlatform(graph, domains, facts, tuple(sorted(benign)))


def upstream_kinds(store: Store, platform: str) -> list[SignalKind]:
    """The stored kinds read as own evidence: the known ones, then any other evidence kind present."""
    stored = [k for k in store.signals.kinds(platform) if k.evidence and k.name not in DERIVED_KINDS]
    return [*map(lookup, UPSTREAM_KINDS), *(k for k in stored if k.name not in UPSTREAM_KINDS)]


def _report_owner(tables: PlatformTables) -> Callable[[str, str], int | None]:
    """(target type, target id) of a report -> the internal index of the account it is about."""

    def owner(target_type: str, target_id: str) -> int | None:
        if target_type == "account":
            return tables.nodes.index.get(target_id)
        post = tables.posts.get(target_id)
        return None if post is None else post[0]

    return owner


def _owner(s: Signal, tables: PlatformTables, nodes: NodeIds) -> int | None:
    if s.entity_type == EntityType.ACCOUNT:
        return nodes(s.entity_id)
    if s.entity_type == EntityType.POST:
        post = tables.posts.get(s.entity_id)
        return None if post is None else post[0]
    return None


def _track_facts(records: Iterable[TrackRecord]) -> dict[str, int]:
    """How many of an account's reporters reviewers found unreliable: marked, or more often rejected."""
    got = list(records)
    marked = sum(r.bad_faith for r in got)
    poor = sum(not r.bad_faith and r.weight < 1.0 for r in got)
    return {k: v for k, v in (("bad_faith", marked), ("poor_record", poor)) if v}


def _domains(links: str) -> list[str]:
    return sorted({d for d in (link_domain(u) for u in links.split(";")) if d})


def _shared_link_strength(
    domains: dict[int, list[str]], n: int, facts: dict[tuple[int, str], list[dict[str, Any]]]
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Domains held by 2..cap accounts tie those accounts together; more holders, stronger the tie. Also
    who holds which of those domains (account, domain number): what the strength stands for."""
    holders = Counter(d for ds in domains.values() for d in ds)
    tied = {d for d, h in holders.items() if shares_domain(h, n)}  # once per domain, not per holding
    out = np.zeros(n)
    number: dict[str, int] = {}
    held: list[tuple[int, int]] = []
    for i, ds in domains.items():
        shared = [(d, holders[d]) for d in ds if d in tied]
        if shared:
            k = max(h for _, h in shared)
            out[i] = shared_domain_signal(k)
            facts[(i, SHARED_LINK)] = [{"domain": d, "accounts": h} for d, h in shared[:3]]
            held += [(i, number.setdefault(d, len(number))) for d, _ in shared]
    pairs = np.array(held, dtype=np.int64).reshape(-1, 2)
    return out, (pairs[:, 0], pairs[:, 1])


class _Order:
    """The canonical node order of a build: internal index -> position (``rank``, -1 when unused)."""

    def __init__(
        self,
        tables: PlatformTables,
        reporters: dict[int, dict[int, float]],
        upstream: dict[str, dict[int, float]],
    ) -> None:
        self.tables = tables
        total = len(tables.nodes.ids)
        used = np.zeros(total, dtype=bool)
        is_account = np.zeros(total, dtype=bool)
        is_account[list(tables.accounts)] = True
        used |= is_account
        for pairs in (tables.follows, tables.interactions, tables.messages, tables.recommendations):
            used[pairs.src] = True
            used[pairs.dst] = True
        kinds = tables.post_kinds
        used[: len(kinds)] |= kinds[:total].sum(axis=1) > 0
        used[[*reporters, *(r for who in reporters.values() for r in who)]] = True
        for vals in upstream.values():
            used[list(vals)] = True
        ids, rows = tables.nodes.ids, tables.accounts
        chosen = sorted(np.flatnonzero(used).tolist(), key=lambda i: (i not in rows, ids[i]))
        self.internal = np.array(chosen, dtype=np.int64)
        self.ids = [ids[i] for i in chosen]
        self.n = len(chosen)
        self.rank = np.full(total, -1, dtype=np.int64)
        self.rank[self.internal] = np.arange(self.n)
        self.is_account = is_account[self.internal]

    def edges(self, pairs: KeyedPairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs' ends in canonical positions, sorted, and the rows' order (to take values by)."""
        src, dst = self.rank[pairs.src], self.rank[pairs.dst]
        keep = np.lexsort((dst, src))
        return src[keep], dst[keep], keep

    def triple(self, pairs: KeyedPairs, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        src, dst, keep = self.edges(pairs)
        vals = pairs.values(column)[keep]
        some = vals > 0  # a pair with interactions but no share has no share edge
        if not some.any():
            return None
        return src[some], dst[some], vals[some]

    def attributes(self, ref: float | None) -> NodeAttributes:
        attrs = NodeAttributes.empty(self.n)
        for i, (created, age, _) in self.tables.accounts.items():
            k = self.rank[i]
            attrs.age_band[k] = age
            if ref is not None:
                attrs.account_age_days[k] = max(0.0, (ref - created) / 86_400)
        attrs.post_count[self.is_account] = 0.0
        attrs.stories_ratio[self.is_account] = 0.0
        kinds = self.tables.post_kinds
        inside = self.internal < len(kinds)
        counts = np.zeros((self.n, 3))
        counts[inside] = kinds[self.internal[inside]]
        posted = counts.sum(axis=1) > 0
        total = counts[:, STORY] + counts[:, OTHER]
        attrs.post_count[posted] = total[posted]
        ratio = np.divide(counts[:, STORY], total, out=np.zeros(self.n), where=total > 0)
        attrs.stories_ratio[posted] = ratio[posted]
        return attrs


def _latest(tables: PlatformTables) -> float | None:
    times = [created for created, _, _ in tables.accounts.values()]
    if len(tables.follows):
        times.append(float(tables.follows.values("t").max()))
    return max(times) if times else None
