"""A compact, engine-neutral account graph: ids <-> int indices, sparse layers, per-node arrays.

Detectors work on integer indices and scipy.sparse CSR matrices so a 10M-edge platform fits in memory;
account ids only reappear when networks are exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bastion.core.errors import InputError
from bastion.graph.clearances import Clearances

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Layer names; every layer is an n x n CSR matrix, row = actor, column = target.
FOLLOW = "follow"
FOLLOW_REC = "follow_rec"  # the subset of follows whose source was the platform's recommender
INTERACTION = "interaction"
SHARE = "share"  # the subset of interactions that re-share the target's content (amplification)
MESSAGE = "message"
RECOMMENDATION = "recommendation"  # viewer -> recommended account, value = times shown
REPORT = "report"  # reporter -> reported account (on the account or one of its posts), value = weight
REPLY = "reply"  # the subset of messages that answer a conversation the recipient started
LAYERS = (FOLLOW, FOLLOW_REC, INTERACTION, SHARE, MESSAGE, RECOMMENDATION, REPORT, REPLY)
#: Layers that are subsets of another layer (not counted again as edges).
SUBSET_LAYERS = (FOLLOW_REC, SHARE, REPLY)

AGE_MINOR, AGE_ADULT, AGE_UNKNOWN = 0, 1, 2
AGE_CODES = {"minor": AGE_MINOR, "adult": AGE_ADULT, "unknown": AGE_UNKNOWN}


@dataclass(slots=True)
class FollowTimes:
    """Follow events with times (seconds), flat arrays: lockstep needs the time of each edge."""

    src: IntArray
    dst: IntArray
    t: IntArray


@dataclass(slots=True)
class NodeAttributes:
    """Per-account facts from the `accounts` and `posts` tables (NaN / unknown when missing), and how many
    of the accounts it reported reviewers found violating (``reports_confirmed``, from their verdicts)."""

    age_band: npt.NDArray[np.int8]
    account_age_days: FloatArray
    post_count: FloatArray
    stories_ratio: FloatArray
    reports_confirmed: FloatArray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls, n: int) -> NodeAttributes:
        return cls(
            age_band=np.full(n, AGE_UNKNOWN, dtype=np.int8),
            account_age_days=np.full(n, np.nan),
            post_count=np.full(n, np.nan),
            stories_ratio=np.full(n, np.nan),
            reports_confirmed=np.zeros(n),
        )


@dataclass(slots=True)
class AccountGraph:
    """All a detector may read about one platform's accounts."""

    platform: str
    ids: list[str]
    layers: dict[str, sp.csr_matrix]
    attrs: NodeAttributes
    signals: dict[str, FloatArray] = field(default_factory=dict)
    follow_times: FollowTimes | None = None
    index: dict[str, int] = field(default_factory=dict)
    #: per coordination kind (``SignalKind.coordination``), what each account shares with others (rows:
    #: accounts, columns: items, e.g. the link domains behind ``shared_link``): the relation the kind's
    #: strength stands for, so two holders are known to share the same item, not each one with strangers.
    #: A kind missing here says only who carries it.
    shared: dict[str, sp.csr_matrix] = field(default_factory=dict)
    #: accounts reviewers cleared (not violating), with what is new since (``clearances.py``)
    cleared: Clearances = field(default_factory=Clearances)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if not self.index:
            self.index = {a: i for i, a in enumerate(self.ids)}
        if len(self.index) != n:
            raise InputError("account ids are not unique", field="account_id")
        for name in LAYERS:
            self.layers.setdefault(name, sp.csr_matrix((n, n), dtype=np.float64))
        for name, m in self.layers.items():
            if m.shape != (n, n):
                raise InputError(f"layer {name!r} has shape {m.shape}, expected {(n, n)}", field=name)
        for kind, arr in self.signals.items():
            if arr.shape != (n,):
                raise InputError(f"signal {kind!r} has {arr.shape[0]} values for {n} accounts", field=kind)
        for kind, held in self.shared.items():
            if held.shape[0] != n:
                raise InputError(f"{kind!r} shares items of {held.shape[0]} accounts, not {n}", field=kind)

    @property
    def n(self) -> int:
        return len(self.ids)

    def layer(self, name: str) -> sp.csr_matrix:
        return self.layers[name]

    def signal(self, kind: str) -> FloatArray:
        """Strength of one signal kind per node; zeros when no capability produced it."""
        got = self.signals.get(kind)
        return got if got is not None else np.zeros(self.n)

    def indices(self, account_ids: Iterable[str]) -> IntArray:
        """Indices of known ids; unknown ids are skipped (a seed may have been deleted)."""
        return np.array([self.index[a] for a in account_ids if a in self.index], dtype=np.int64)

    def num_edges(self) -> int:
        return int(sum(m.nnz for k, m in self.layers.items() if k not in SUBSET_LAYERS))

    @classmethod
    def from_arrays(
        cls,
        platform: str,
        ids: Sequence[str],
        follows: tuple[IntArray, IntArray],
        *,
        follow_times: IntArray | None = None,
        follow_from_rec: BoolArray | None = None,
        interactions: tuple[IntArray, IntArray, FloatArray] | None = None,
        shares: tuple[IntArray, IntArray, FloatArray] | None = None,
        messages: tuple[IntArray, IntArray, FloatArray] | None = None,
        recommendations: tuple[IntArray, IntArray, FloatArray] | None = None,
        reports: tuple[IntArray, IntArray, FloatArray] | None = None,
        replies: tuple[IntArray, IntArray, FloatArray] | None = None,
        attrs: NodeAttributes | None = None,
        signals: Mapping[str, FloatArray] | None = None,
        shared: Mapping[str, tuple[IntArray, IntArray]] | None = None,
    ) -> AccountGraph:
        """Build from index arrays (the fast path for bulk loads and benchmarks); ``shared``: per coordination
        kind, (account, item) pairs of what accounts share (see ``AccountGraph.shared``)."""
        n = len(ids)
        src, dst = follows
        layers = {FOLLOW: _csr(src, dst, np.ones(len(src)), n, binary=True)}
        if follow_from_rec is not None:
            m = follow_from_rec.astype(bool)
            layers[FOLLOW_REC] = _csr(src[m], dst[m], np.ones(int(m.sum())), n, binary=True)
        for name, trip in (
            (INTERACTION, interactions),
            (SHARE, shares),
            (MESSAGE, messages),
            (RECOMMENDATION, recommendations),
            (REPORT, reports),
            (REPLY, replies),
        ):
            if trip is not None:
                layers[name] = _csr(trip[0], trip[1], trip[2], n)
        times = None
        if follow_times is not None:
            times = FollowTimes(src.astype(np.int64), dst.astype(np.int64), follow_times.astype(np.int64))
        return cls(
            platform=platform,
            ids=list(ids),
            layers=layers,
            attrs=attrs or NodeAttributes.empty(n),
            signals={k: np.asarray(v, dtype=np.float64) for k, v in (signals or {}).items()},
            follow_times=times,
            shared={k: _incidence(rows, items, n) for k, (rows, items) in (shared or {}).items()},
        )


def _incidence(rows: IntArray, items: IntArray, n: int) -> sp.csr_matrix:
    """Accounts x items, 1 where the account holds the item."""
    rows, items = np.asarray(rows, dtype=np.int64), np.asarray(items, dtype=np.int64)
    if len(rows) and (rows.min() < 0 or rows.max() >= n or items.min() < 0):
        raise InputError("a shared item's holder is outside the account table", field="account_id")
    width = int(items.max()) + 1 if len(items) else 0
    m = sp.csr_matrix((np.ones(len(rows)), (rows, items)), shape=(n, width), dtype=np.float64)
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _csr(rows: IntArray, cols: IntArray, vals: FloatArray, n: int, *, binary: bool = False) -> sp.csr_matrix:
    if len(rows) and (rows.min() < 0 or cols.min() < 0 or max(rows.max(), cols.max()) >= n):
        raise InputError("edge endpoint outside the account table", field="account_id")
    keep = rows != cols
    m = sp.csr_matrix(
        (np.asarray(vals, dtype=np.float64)[keep], (rows[keep], cols[keep])), shape=(n, n), dtype=np.float64
    )
    m.sum_duplicates()
    if binary:
        m.data[:] = 1.0
    return m


def symmetric_adjacency(graph: AccountGraph, weights: Mapping[str, float]) -> sp.csr_matrix:
    """Undirected weighted union of layers, for walks and clustering where direction is not evidence."""
    total = sp.csr_matrix((graph.n, graph.n), dtype=np.float64)
    for name, w in weights.items():
        m = graph.layers.get(name)
        if m is None or m.nnz == 0 or w == 0:
            continue
        b = m.copy()
        b.data[:] = 1.0
        total = total + w * b
    sym = total.maximum(total.T).tocsr()
    return sym
