"""Database wiring of the guard (the only module that queries): state sources, impressions, signal sink.

Reads, through the core only: ``accounts`` (age bands), ``follows``, ``recommendations``, and (through the
signal repository) signals of kind ``network_member`` (graph), ``case_open`` and ``verdict`` (review) and
the suspicion kinds. Writes ``contact_guard`` signals (see :mod:`bastion.guard.contact`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
from sqlalchemy import func, select

from bastion.core.model import EntityType, Signal
from bastion.core.signals import named
from bastion.guard.audit import ExposureAudit, Impressions, exposure_audit
from bastion.guard.policy import GuardPolicy
from bastion.guard.state import Detections, GuardState, PlatformBase
from bastion.store import Store
from bastion.store.tables import accounts, follows, ingest_files, recommendations

NETWORK_KIND = named("network_member")  # declared by graph
CASE_KIND = named("case_open")  # declared by review
VERDICT_KIND = named("verdict")  # declared by review: 1 violating, 0 not


class StoreSource:
    """A :class:`~bastion.guard.state.StateSource` over one platform of a store.

    Watermarks: the ingest bookkeeping (row counts and last update) for the graph, and (count, max id) per
    watched signal kind for detections. Both are index-backed aggregate queries.
    """

    def __init__(self, store: Store, platform: str, policy: GuardPolicy | None = None) -> None:
        self.store = store
        self.platform = platform
        self.kinds = tuple(
            sorted(
                {NETWORK_KIND, CASE_KIND, VERDICT_KIND, *(policy or GuardPolicy()).suspicion_kinds}, key=str
            )
        )

    def base_version(self) -> object:
        f = ingest_files.c
        q = select(func.count(), func.sum(f.rows_accepted), func.max(f.updated_at)).where(
            f.platform == self.platform
        )
        with self.store.engine.connect() as conn:
            return tuple(conn.execute(q).one())

    def detections_version(self) -> object:
        return self.store.signals.version(self.kinds, self.platform)

    def load_base(self) -> PlatformBase:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(accounts.c.account_id, accounts.c.age_band)
                .where(accounts.c.platform == self.platform)
                .order_by(accounts.c.account_id)
            ).all()
            ids = [r[0] for r in rows]
            index = {a: i for i, a in enumerate(ids)}
            src: list[int] = []
            dst: list[int] = []
            f = follows.c
            q = select(f.follower_id, f.followee_id).where(f.platform == self.platform)
            for a, b in conn.execute(q):
                i, j = index.get(a), index.get(b)
                if i is not None and j is not None:
                    src.append(i)
                    dst.append(j)
        return PlatformBase(
            self.platform,
            ids,
            [r[1] or "unknown" for r in rows],
            np.array(src, dtype=np.int64),
            np.array(dst, dtype=np.int64),
        )

    def load_detections(self) -> Detections:
        members: dict[str, str] = {}
        cases: dict[str, str] = {}
        scored: list[tuple[str, float, datetime | None]] = []
        verdicts: dict[str, tuple[bool, datetime | None]] = {}
        for s in self.store.signals.of_kinds(self.kinds, self.platform, entity_type=EntityType.ACCOUNT):
            account, evidence = s.entity_id, s.evidence
            if s.kind == NETWORK_KIND:
                members[account] = str(evidence.get("network_id", ""))
            if s.kind == CASE_KIND and evidence.get("status", "open") == "open":
                cases[account] = str(evidence.get("case_id", ""))
            if s.kind == VERDICT_KIND:
                verdicts[account] = (s.score >= 0.5, s.created_at)  # oldest first: the newest wins
            elif s.kind != CASE_KIND:
                scored.append((account, float(s.score), s.created_at))
        # a reviewer who cleared an account judged the signals it had then: only those written since count
        cleared = {a: at for a, (violating, at) in verdicts.items() if not violating}
        suspicion: dict[str, float] = {}
        for account, score, at in scored:
            since = cleared.get(account)
            if since is not None and at is not None and at <= since:
                continue
            suspicion[account] = max(suspicion.get(account, 0.0), score)
        return Detections(members, cases, suspicion, frozenset(cleared))


def guard_state(
    store: Store, platform: str | None = None, policy: GuardPolicy | None = None, *, check_every: float = 0.0
) -> GuardState:
    name = store.resolve_platform(platform)
    return GuardState(StoreSource(store, name, policy), policy, check_every=check_every)


def signal_sink(store: Store) -> _Sink:
    return _Sink(store)


class _Sink:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, signal: Signal) -> None:
        self.store.signals.add([signal])


def load_impressions(store: Store, platform: str) -> Impressions:
    r, f = recommendations.c, follows.c
    q = select(r.viewer_id, r.recommended_id, r.surface, r.shown_at, r.followed).where(r.platform == platform)
    fq = select(f.follower_id, f.followee_id).where(f.platform == platform, f.source == "recommendation")
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(r.shown_at, r.viewer_id, r.recommended_id)).all()
        rec_follows = {(a, b) for a, b in conn.execute(fq)}
    followed = np.array([bool(x[4]) for x in rows], dtype=bool)
    confirmed = np.array([bool(x[4]) and (x[0], x[1]) in rec_follows for x in rows], dtype=bool)
    return Impressions(
        [x[0] for x in rows],
        [x[1] for x in rows],
        [x[2] for x in rows],
        [x[3] for x in rows],
        followed,
        confirmed,
        sorted(rec_follows),
    )


def write_signals(store: Store, items: Iterable[Signal]) -> int:
    return store.signals.add(items)


def audit_store(
    store: Store, platform: str | None = None, policy: GuardPolicy | None = None
) -> ExposureAudit:
    """The exposure audit of one stored platform, replayed through the guard as it stands now."""
    state = guard_state(store, platform, policy)
    return exposure_audit(state.snapshot, load_impressions(store, state.platform))
