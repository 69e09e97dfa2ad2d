"""What the guards know, held in memory so a request costs lookups, not queries.

The state is built from plain data (``PlatformBase`` + ``Detections``) so it can be tested without a
database; :class:`GuardState` keeps one snapshot per platform and rebuilds only the cheap part (flags) when
the watched signals change, the follow graph only when a new ingest lands.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bastion.guard.policy import GuardPolicy

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

AGE_UNKNOWN, AGE_ADULT, AGE_MINOR = 0, 1, 2
_AGE_CODES = {"unknown": AGE_UNKNOWN, "adult": AGE_ADULT, "minor": AGE_MINOR}

MEMBER, ORBIT, CASE, SUSPICIOUS = 1, 2, 4, 8

#: Viewer-independent rule codes per account (0 = none); the filter's reason codes start with these.
RULE_MEMBER, RULE_ORBIT, RULE_CASE = 1, 2, 3


@dataclass(frozen=True)
class PlatformBase:
    """Accounts, their age bands and the follow graph (as indices into ``accounts``)."""

    platform: str
    accounts: list[str]
    age_bands: list[str]
    follow_src: IntArray
    follow_dst: IntArray

    @classmethod
    def from_ids(
        cls, platform: str, age_bands: Mapping[str, str], follows: list[tuple[str, str]]
    ) -> PlatformBase:
        """Build from account ids (tests, small callers); follows naming unknown accounts are dropped."""
        accounts = list(age_bands)
        index = {a: i for i, a in enumerate(accounts)}
        pairs = [(index[a], index[b]) for a, b in follows if a in index and b in index]
        src = np.array([p[0] for p in pairs], dtype=np.int64)
        dst = np.array([p[1] for p in pairs], dtype=np.int64)
        return cls(platform, accounts, [age_bands[a] for a in accounts], src, dst)


@dataclass(frozen=True)
class Detections:
    """What other capabilities found: network membership, pending cases, suspicion strength per account."""

    members: Mapping[str, str] = field(default_factory=dict)  # account -> network id
    cases: Mapping[str, str] = field(default_factory=dict)  # account -> case id
    suspicion: Mapping[str, float] = field(default_factory=dict)  # account -> strongest signal score
    #: accounts whose newest reviewer verdict is not violating: a reviewed judgment outranks the orbit
    #: rule's inference (detection holds them out of networks until something new: graph/clearances.py),
    #: and their ``suspicion`` is read from signals written since the verdict only
    cleared: frozenset[str] = frozenset()


class StateSource(Protocol):
    """Where a :class:`GuardState` gets its data; the store implementation is ``guard.storage``."""

    platform: str

    def base_version(self) -> object: ...
    def detections_version(self) -> object: ...
    def load_base(self) -> PlatformBase: ...
    def load_detections(self) -> Detections: ...


class Snapshot:
    """Immutable flags per account; every guard decision reads only this."""

    def __init__(self, base: PlatformBase, detections: Detections, policy: GuardPolicy) -> None:
        self.platform = base.platform
        self.policy = policy
        self.index: dict[str, int] = {a: i for i, a in enumerate(base.accounts)}
        self.accounts = base.accounts
        n = len(base.accounts)
        self.n = n
        self.age = np.array([_AGE_CODES.get(b, AGE_UNKNOWN) for b in base.age_bands], dtype=np.int8)
        self.network: dict[int, str] = {}
        self.case: dict[int, str] = {}
        flags = np.zeros(n, dtype=np.uint8)
        for account, net in detections.members.items():
            i = self.index.get(account)
            if i is not None:
                flags[i] |= MEMBER
                self.network[i] = net
        for account, case_id in detections.cases.items():
            i = self.index.get(account)
            if i is not None:
                flags[i] |= CASE
                self.case[i] = case_id
        self.score = np.zeros(n, dtype=np.float32)
        for account, score in detections.suspicion.items():
            i = self.index.get(account)
            if i is not None:
                self.score[i] = max(self.score[i], score)
        flags[self.score >= policy.suspicion_threshold] |= SUSPICIOUS
        links = undirected(base, n)
        orbit = close_orbit(links, (flags & MEMBER) > 0, policy)
        for account in detections.cleared:
            i = self.index.get(account)
            if i is not None:
                orbit[i] = False
        flags[orbit] |= ORBIT
        for k in np.flatnonzero(orbit).tolist():
            around = links.indices[links.indptr[k] : links.indptr[k + 1]]
            nets = Counter(self.network.get(int(j), "") for j in around)
            nets.pop("", None)
            self.network[k] = nets.most_common(1)[0][0] if nets else ""
        self.flags = flags
        self.unsafe = (flags & (MEMBER | ORBIT)) > 0
        self.connections = _minor_connections(base, self.age, n)
        self._tables(n)

    def _tables(self, n: int) -> None:
        """Per-account answers to the viewer-independent questions, with one extra row (index ``n``) for
        accounts the platform never exported, so a request is one gather per question and no branches."""
        flags = self.flags
        static = np.zeros(n + 1, dtype=np.int8)
        static[:n][(flags & CASE) > 0] = RULE_CASE
        static[:n][(flags & ORBIT) > 0] = RULE_ORBIT
        static[:n][(flags & MEMBER) > 0] = RULE_MEMBER
        self.static_rule = static
        detail = np.full(n + 1, "", dtype=object)
        for i, case_id in self.case.items():
            detail[i] = case_id
        for i, net in self.network.items():  # the network wins where both apply, as the rule order does
            if self.unsafe[i]:
                detail[i] = net
        self.static_detail = detail
        minor = np.zeros(n + 1, dtype=bool)
        minor[:n] = self.age == AGE_MINOR
        self.is_minor = minor
        self.is_unsafe = np.append(self.unsafe, False)
        self.suspicious_adult = np.append(((flags & SUSPICIOUS) > 0) & ~minor[:n], False)

    def lookup(self, ids: Sequence[str]) -> IntArray:
        """Indices of ``ids``, -1 for unknown ones; ``map`` keeps the per-id work in C."""
        return np.fromiter(map(self.index.get, ids, repeat(-1)), dtype=np.int64, count=len(ids))

    def lookup_rows(self, ids: Sequence[str]) -> IntArray:
        """Like :meth:`lookup`, but unknown ids get the extra all-clear row ``n`` of the rule tables."""
        return np.fromiter(map(self.index.get, ids, repeat(self.n)), dtype=np.int64, count=len(ids))

    def connected(self, a: int, b: int) -> bool:
        """Either follows the other (kept only for pairs with a minor, the only ones a rule asks about)."""
        return bool(self.connected_many(a, np.array([b], dtype=np.int64))[0])

    def connected_many(self, a: int, others: IntArray) -> BoolArray:
        """:meth:`connected` for one account against many, by binary search over the sorted pair keys."""
        keys = np.minimum(others, a) * self.n + np.maximum(others, a)
        conn = self.connections
        if len(conn) == 0:
            return np.zeros(len(others), dtype=bool)
        at = np.minimum(np.searchsorted(conn, keys), len(conn) - 1)
        found: BoolArray = conn[at] == keys
        return found


def undirected(base: PlatformBase, n: int) -> sp.csr_matrix:
    """Follows in either direction as one 0/1 link."""
    src = np.concatenate([base.follow_src, base.follow_dst])
    dst = np.concatenate([base.follow_dst, base.follow_src])
    links = sp.csr_matrix((np.ones(len(src), dtype=np.float32), (src, dst)), shape=(n, n))
    links.data[:] = 1.0
    return links


def close_orbit(links: sp.csr_matrix, members: BoolArray, policy: GuardPolicy) -> BoolArray:
    """Accounts most of whose follows and followers are members: the network's hangers-on.

    Both directions count as one link each; an account needs ``orbit_min_links`` member links and a member
    share above ``orbit_share``, so a popular account that members follow for camouflage stays out.
    """
    n = links.shape[0]
    if n == 0 or not members.any():
        return np.zeros(n, dtype=bool)
    degree = np.asarray(links.sum(axis=1)).ravel()
    member_links = links @ members.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(degree > 0, member_links / degree, 0.0)
    orbit: BoolArray = (~members) & (member_links >= policy.orbit_min_links) & (share > policy.orbit_share)
    return orbit


def _minor_connections(base: PlatformBase, age: npt.NDArray[np.int8], n: int) -> IntArray:
    """Sorted unique ``lo * n + hi`` keys of follow pairs that involve a minor: one int array, not a set
    of Python ints, so the garbage collector has nothing to walk."""
    src, dst = base.follow_src, base.follow_dst
    if len(src) == 0:
        return np.zeros(0, dtype=np.int64)
    keep = (age[src] == AGE_MINOR) | (age[dst] == AGE_MINOR)
    lo = np.minimum(src[keep], dst[keep])
    hi = np.maximum(src[keep], dst[keep])
    keys: IntArray = np.unique(lo * n + hi)
    return keys


class GuardState:
    """One platform's snapshot, rebuilt when its source's watermarks move.

    ``refresh_if_stale()`` costs two small queries when nothing changed; a detection change rebuilds the
    flags over the cached follow graph, a new ingest reloads the graph too.
    """

    def __init__(
        self, source: StateSource, policy: GuardPolicy | None = None, *, check_every: float = 0.0
    ) -> None:
        """``check_every`` (seconds): look at the watermarks at most this often; 0 checks on every call.

        The check is two queries (about 2 ms on SQLite), more than the filter itself; a request path
        that can accept detections arriving up to ``check_every`` late sets it (e.g. 1.0)."""
        self.source = source
        self.policy = policy or GuardPolicy()
        self.check_every = check_every
        self._checked_at = -float("inf")
        self._lock = threading.Lock()
        self._base_version: object = None
        self._det_version: object = None
        self._base: PlatformBase | None = None
        self._snapshot: Snapshot | None = None
        self.rebuilds = 0

    @property
    def platform(self) -> str:
        return self.source.platform

    @property
    def base(self) -> PlatformBase:
        """The cached accounts and follow graph (for a recommender replaying over the same platform)."""
        self.snapshot  # noqa: B018 - loads on first use
        assert self._base is not None
        return self._base

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.refresh_if_stale()
        assert self._snapshot is not None
        return self._snapshot

    def refresh_if_stale(self) -> bool:
        """Rebuild what changed; True when something was rebuilt."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked_at < self.check_every:
            return False
        self._checked_at = now
        base_version = self.source.base_version()
        det_version = self.source.detections_version()
        if (
            self._snapshot is not None
            and base_version == self._base_version
            and det_version == self._det_version
        ):
            return False
        with self._lock:
            if self._base is None or base_version != self._base_version:
                self._base = self.source.load_base()
            self._snapshot = Snapshot(self._base, self.source.load_detections(), self.policy)
            self._base_version, self._det_version = base_version, det_version
            self.rebuilds += 1
        return True
