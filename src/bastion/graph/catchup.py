"""Detection catch-up: after live events, re-score and replace only the networks the events touch.

The accounts the new events (and the signals written since the last run) are about, their ``hops``-hop
neighbourhood in the chosen-contact graph, and every stored or newly found network reaching into that
region (grown until it is closed under membership) make the *region*. Networks in the region are replaced
by what a full run finds there now; every other stored network is carried over unchanged, with its id, so
a case opened on it keeps receiving its reports.

Why the whole platform is still scored: a member's probability reads platform-wide statistics (each
signal's base rate, the EM calibration, the prior, the association null), so one new signal anywhere
moves every score a little and no neighbourhood alone reproduces a full run. Scoring is a small part of a
run; reading the platform's tables is most of it, and catch-up skips that: the process keeps the tables its
last run read and re-reads only the rows the change log names (``graph/tables_state.py``; the same graph
as a fresh read). So catch-up scores the whole graph, which makes the region's networks *equal* to a full
run's (members, roles, scores), and bounds the rest: a carried-over network is kept only while a full
run on the same data finds exactly its members and roles outside the region and no member's probability
has moved by more than ``max_drift``; otherwise catch-up stores the full run instead (``outcome="full"``).
So after any catch-up the stored networks have a full run's membership everywhere, and its scores within
``max_drift``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import insert, select

from bastion.core.model import EntityType
from bastion.graph.contacts import chosen_contacts
from bastion.graph.load import upstream_kinds
from bastion.graph.network import Network
from bastion.graph.reporters import VERDICT
from bastion.graph.service import CONSUMER, KIND, SOURCE, Computed, NetworkDetector
from bastion.graph.service import numbered as ids_for
from bastion.store.changes import Changes
from bastion.store.tables import accounts, posts, signals
from bastion.store.tables_graph import graph_members, graph_networks, graph_runs

#: Defaults of the ``graph`` settings section (``BASTION_CATCHUP_HOPS``, ``BASTION_CATCHUP_MAX_DRIFT``).
HOPS = 1
MAX_DRIFT = 0.05
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CatchUpRun:
    """What one detection catch-up did: ``none`` (nothing new), ``incremental`` or ``full``."""

    platform: str
    outcome: str
    run_id: int | None
    seq: int
    touched: int = 0
    region: int = 0
    kept: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    drift: float = 0.0
    notes: tuple[str, ...] = ()

    def words(self) -> str:
        if self.outcome == "none":
            return f"detection: up to date (change {self.seq})"
        head = f"detection: {self.outcome} run {self.run_id} up to change {self.seq}"
        if self.outcome == "incremental":
            head += (
                f", {self.touched} touched account(s), region {self.region}: {len(self.replaced)} network(s)"
                f" replaced by {len(self.added)}, {len(self.kept)} kept (score drift {self.drift:.4f})"
            )
        return "; ".join((head, *self.notes))

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "outcome": self.outcome,
            "run_id": self.run_id,
            "seq": self.seq,
            "touched": self.touched,
            "region": self.region,
            "kept": list(self.kept),
            "replaced": list(self.replaced),
            "added": list(self.added),
            "drift": round(self.drift, 6),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class _Stored:
    network_id: str
    members: dict[str, tuple[str, float]]  # account -> (role, score)


def catch_up(
    detector: NetworkDetector, platform: str, *, hops: int = HOPS, max_drift: float = MAX_DRIFT
) -> CatchUpRun:
    """Bring the stored networks up to the change log's head (the scans must be caught up first)."""
    store = detector.store
    log = store.changes
    head = log.head(platform)
    latest = _latest(detector, platform)
    if not _has_accounts(detector, platform):
        log.advance(CONSUMER, platform, head)
        return CatchUpRun(platform, "none", None, head, notes=("no accounts on this platform yet",))
    if latest is None:
        run = detector.detect(platform, refresh=False)
        return CatchUpRun(platform, "full", run.run_id, head, notes=("no earlier run to build on",))
    if store.scans.is_stale(CONSUMER, platform, detector.data_version(platform)):
        run = detector.detect(platform, refresh=False)
        note = "an export load or new weights since the last run"
        return CatchUpRun(platform, "full", run.run_id, head, notes=(note,))
    run_id, started = latest
    changes = log.since(platform, log.checkpoint(CONSUMER, platform) or 0, until=head)
    touched = touched_accounts(detector, platform, changes, started)
    if not touched:
        log.advance(CONSUMER, platform, head)
        return CatchUpRun(platform, "none", None, head)
    done = detector.compute(platform, patch=True)
    stored = _stored_networks(detector, run_id)
    region = neighbourhood(done, touched, hops)
    affected_stored, affected_new = _close(region, stored, done.networks)
    kept = [s for s in stored if s.network_id not in affected_stored]
    outside = [n for n in done.networks if id(n) not in affected_new]
    drift = _drift(done, kept)
    why = _why_full(kept, outside, drift, max_drift)
    if why is not None:  # the full run on the same data is ``done``: keep it rather than run it again
        run = detector.keep(done, head)
        return CatchUpRun(
            platform, "full", run.run_id, head, len(touched), len(region), drift=drift, notes=(why,)
        )
    fresh = [n for n in done.networks if id(n) in affected_new]
    replaced = [s for s in stored if s.network_id in affected_stored]
    return _store(detector, done, head, run_id, touched, region, kept, replaced, fresh, drift)


def touched_accounts(detector: NetworkDetector, platform: str, changes: Changes, since: Any) -> set[str]:
    """The accounts the changes are about (a reported post's author too) and every account (or post's
    author) with an evidence signal (one detection reads) or a verdict (a clearance starts or ends,
    ``clearances.py``) first written since the last run."""
    found = changes.accounts()
    kinds = [*(k.name for k in upstream_kinds(detector.store, platform)), VERDICT.name]
    reported_posts = {c.key["target_id"] for c in changes.of("reports") if c.key.get("target_type") == "post"}
    with detector.store.engine.connect() as conn:
        q = select(signals.c.entity_type, signals.c.entity_id).where(
            signals.c.platform == platform,
            signals.c.kind.in_(kinds),
            signals.c.created_at > since,
            signals.c.entity_type.in_([str(EntityType.ACCOUNT), str(EntityType.POST)]),
        )
        for etype, eid in conn.execute(q):
            (found if etype == str(EntityType.ACCOUNT) else reported_posts).add(str(eid))
        found |= _authors(conn, platform, reported_posts)
    return found


def neighbourhood(done: Computed, accounts: Iterable[str], hops: int) -> set[str]:
    """``accounts`` in the graph and everything within ``hops`` chosen contacts of them (either way)."""
    graph = done.loaded.graph
    start = [graph.index[a] for a in accounts if a in graph.index]
    if not start:
        return set()
    contacts = chosen_contacts(graph)
    both = sp.csr_matrix((contacts + contacts.T) != 0)
    seen = np.zeros(graph.n, dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    for _ in range(hops):
        reached = both.T.dot(frontier.astype(np.float64)) > 0
        frontier = reached & ~seen
        if not frontier.any():
            break
        seen |= frontier
    return {graph.ids[i] for i in np.flatnonzero(seen)}


def _close(region: set[str], stored: list[_Stored], found: tuple[Network, ...]) -> tuple[set[str], set[int]]:
    """Grow the region by every stored or found network reaching into it, until nothing more joins;
    returns the affected stored network ids and the affected found networks (by ``id()``)."""
    grown = set(region)
    while True:
        old = {s.network_id for s in stored if grown & s.members.keys()}
        new = {id(n) for n in found if any(m.account_id in grown for m in n.members)}
        members = {a for s in stored if s.network_id in old for a in s.members}
        members |= {m.account_id for n in found if id(n) in new for m in n.members}
        if members <= grown:
            region |= grown
            return old, new
        grown |= members


def _drift(done: Computed, kept: list[_Stored]) -> float:
    graph, score = done.loaded.graph, done.result.score
    moves = [
        abs(float(score[graph.index[a]]) - s)
        for k in kept
        for a, (_, s) in k.members.items()
        if a in graph.index
    ]
    return max(moves, default=0.0)


def _why_full(kept: list[_Stored], outside: list[Network], drift: float, max_drift: float) -> str | None:
    """Why the kept networks cannot stand (a full run on the same data differs there), or ``None``."""
    want = sorted(sorted((a, r) for a, (r, _) in k.members.items()) for k in kept)
    got = sorted(sorted((m.account_id, m.role) for m in n.members) for n in outside)
    if want != got:
        return "outside the touched region a full run now finds other networks (members or roles): full run"
    if drift > max_drift:
        return f"platform-wide statistics moved member scores by {drift:.4f} > {max_drift}: full run"
    return None


def _store(
    detector: NetworkDetector,
    done: Computed,
    head: int,
    previous: int,
    touched: set[str],
    region: set[str],
    kept: list[_Stored],
    replaced_networks: list[_Stored],
    fresh: list[Network],
    drift: float,
) -> CatchUpRun:
    kept_ids = [k.network_id for k in kept]
    replaced = sorted(s.network_id for s in replaced_networks)
    extra = {
        "catchup": {
            "after_run": previous,
            "seq": head,
            "touched": len(touched),
            "region": len(region),
            "kept": kept_ids,
            "replaced": replaced,
            "drift": round(drift, 6),
        }
    }
    flagged = sum(len(k.members) for k in kept) + sum(len(n.members) for n in fresh)
    run_id = detector.store_run(done, flagged=flagged, extra=extra)
    # a re-derived network that continues one it replaces keeps its id (lineage.py)
    earlier = {s.network_id: s.members.keys() for s in replaced_networks}
    numbered = list(ids_for(run_id, fresh, earlier, detector.merged_aliases(done.platform)))
    store = detector.store
    with store.engine.begin() as conn:
        _copy(conn, previous, run_id, kept_ids)
    carried = [
        s
        for s in store.signals.of_kind(KIND, done.platform)
        if s.source == SOURCE and str(s.evidence.get("network_id")) in set(kept_ids)
    ]
    detector._store_networks(run_id, done.platform, numbered, kept=carried)
    detector.mark_caught_up(done.platform, head)
    added = tuple(n.network_id for n in numbered)
    return CatchUpRun(
        done.platform,
        "incremental",
        run_id,
        head,
        len(touched),
        len(region),
        tuple(kept_ids),
        tuple(replaced),
        added,
        drift,
        done.notes,
    )


def _copy(conn: Any, source: int, target: int, ids: list[str]) -> None:
    """Carry networks (rows and members, ids unchanged) from one run into the next."""
    for lo in range(0, len(ids), _IN_CHUNK):
        part = ids[lo : lo + _IN_CHUNK]
        for table in (graph_networks, graph_members):
            rows = conn.execute(
                select(table).where(table.c.run_id == source, table.c.network_id.in_(part))
            ).all()
            if rows:
                conn.execute(insert(table), [{**r._mapping, "run_id": target} for r in rows])


def _latest(detector: NetworkDetector, platform: str) -> tuple[int, Any] | None:
    q = (
        select(graph_runs.c.run_id, graph_runs.c.started_at)
        .where(graph_runs.c.platform == platform)
        .order_by(graph_runs.c.run_id.desc())
        .limit(1)
    )
    with detector.store.engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else (int(row.run_id), row.started_at)


def _stored_networks(detector: NetworkDetector, run_id: int) -> list[_Stored]:
    q = select(
        graph_members.c.network_id, graph_members.c.account_id, graph_members.c.role, graph_members.c.score
    )
    out: dict[str, _Stored] = {}
    with detector.store.engine.connect() as conn:
        for r in conn.execute(q.where(graph_members.c.run_id == run_id)):
            out.setdefault(r.network_id, _Stored(r.network_id, {})).members[r.account_id] = (r.role, r.score)
    return [out[k] for k in sorted(out)]


def _has_accounts(detector: NetworkDetector, platform: str) -> bool:
    with detector.store.engine.connect() as conn:
        q = select(accounts.c.account_id).where(accounts.c.platform == platform).limit(1)
        return conn.execute(q).first() is not None


def _authors(conn: Any, platform: str, post_ids: set[str]) -> set[str]:
    chosen = sorted(post_ids)
    found: set[str] = set()
    for lo in range(0, len(chosen), _IN_CHUNK):
        q = select(posts.c.account_id).where(
            posts.c.platform == platform, posts.c.post_id.in_(chosen[lo : lo + _IN_CHUNK])
        )
        found.update(str(a) for a in conn.execute(q).scalars())
    return found


__all__ = ["HOPS", "MAX_DRIFT", "CatchUpRun", "catch_up", "neighbourhood", "touched_accounts"]
