"""A platform's ingested tables as detection reads them, kept in memory and patched from the change log.

Why: loading a platform is most of a detection run (reading every follow, interaction and post through the
driver), while a catch-up after live events changes a few hundred rows. The process that runs catch-up (the
leader of ``bastion serve``) keeps this copy and re-reads only the rows the change log names since the copy
was taken (:meth:`PlatformTables.patch`), so a catch-up costs the scoring, not the load.

The copy is exact, not approximate: events only upsert rows (none is deleted), grouped values (interaction
and recommendation counts) are re-read whole for every pair a change touches, and an export load, which
does not write the change log, moves the data version so the copy is read again in full. Node indices are
internal here; ``graph/load.py`` builds the graph in a canonical order, so a patched copy and a fresh read
of the same tables give the same graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from bastion.graph.container import AGE_CODES, AGE_UNKNOWN, FloatArray, IntArray
from bastion.graph.keyed import KeyedPairs, NodeIds
from bastion.store import Store
from bastion.store.changes import Changes
from bastion.store.tables import accounts, follows, interactions, messages, posts, recommendations, reports

#: Reads by key go in chunks of this many keys (bound parameters stay well under every driver's limit).
_CHUNK = 400
#: Rows turned into arrays at a time (a whole table of row objects at once is gigabytes at 10M follows).
_BATCH = 50_000
#: Post kind columns of :attr:`PlatformTables.post_kinds`.
STORY, OTHER, COMMENT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Report:
    reporter: str
    target_type: str
    target_id: str
    reason: str


@dataclass(slots=True)
class PlatformTables:
    """What detection reads of one platform's tables, with internal node indices."""

    platform: str
    #: the change-log seq this copy has seen (every change up to it is in)
    seq: int = 0
    #: the scan ledger's data version the copy was read at (an export load since means: read again)
    version: str = ""
    nodes: NodeIds = field(default_factory=NodeIds)
    #: internal index -> (created_at epoch seconds, age code, external links) of rows in ``accounts``
    accounts: dict[int, tuple[float, int, str]] = field(default_factory=dict)
    follows: KeyedPairs = field(default_factory=lambda: KeyedPairs({"t": np.float64, "rec": np.bool_}))
    interactions: KeyedPairs = field(
        default_factory=lambda: KeyedPairs({"all": np.float64, "share": np.float64})
    )
    #: per pair: messages, and of them those answering a conversation the recipient started
    messages: KeyedPairs = field(
        default_factory=lambda: KeyedPairs({"count": np.float64, "reply": np.float64})
    )
    recommendations: KeyedPairs = field(default_factory=lambda: KeyedPairs({"count": np.float64}))
    #: post id -> (owner's internal index, kind column)
    posts: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: internal index -> post counts by kind column (story, other, comment)
    post_kinds: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    reports: dict[str, Report] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store, platform: str) -> PlatformTables:
        """Every row detection uses; the change-log head is read first, so a change committed while the
        tables are read is read again at the next patch (reading a row twice sets the same value)."""
        out = cls(platform, seq=store.changes.head(platform), version=store.scans.data_version(platform))
        with store.engine.connect() as conn:
            out._read(conn, None)
        return out

    def patch(self, store: Store, changes: Changes) -> int:
        """Re-read the rows ``changes`` name; returns how many changes were applied."""
        with store.engine.connect() as conn:
            self._read(conn, changes)
        self.seq = max(self.seq, changes.head)
        return len(changes.items)

    def _read(self, conn: Connection, changes: Changes | None) -> None:
        def keys(table: str, *fields: str) -> list[tuple[str, ...]] | None:
            if changes is None:
                return None
            return sorted({tuple(c.key[f] for f in fields) for c in changes.of(table)})

        self._accounts(conn, keys("accounts", "account_id"))
        self._follows(conn, keys("follows", "follower_id", "followee_id"))
        self._interactions(conn, keys("interactions", "actor_id", "target_account_id"))
        self._messages(conn, keys("messages", "sender_id", "recipient_id"))
        self._recommendations(conn, keys("recommendations", "viewer_id", "recommended_id"))
        self._posts(conn, keys("posts", "post_id"))
        self._reports(conn, keys("reports", "report_id"))

    # each reader: ``wanted`` None reads the platform's whole table, else only those keys

    def _accounts(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        c = accounts.c
        q = select(c.account_id, c.created_at, c.age_band, c.external_links)
        for r in _rows(conn, q, accounts, self.platform, (c.account_id,), wanted):
            age = AGE_CODES.get(r.age_band or "unknown", AGE_UNKNOWN)
            self.accounts[self.nodes(r.account_id)] = (r.created_at.timestamp(), age, r.external_links or "")

    def _follows(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        """Turned into arrays a batch of rows at a time: a list of every row first (a timestamp object in
        each) was most of a 10M-follow platform's 6 GiB peak (an outside check's)."""
        c = follows.c
        q = select(c.follower_id, c.followee_id, c.created_at, c.source)
        parts: list[tuple[IntArray, IntArray, FloatArray, np.ndarray]] = []
        for got in _batches(_rows(conn, q, follows, self.platform, (c.follower_id, c.followee_id), wanted)):
            t = np.fromiter((r.created_at.timestamp() for r in got), dtype=np.float64, count=len(got))
            rec = np.fromiter((r.source == "recommendation" for r in got), dtype=bool, count=len(got))
            parts.append((*self._ends(got), t, rec))
        src, dst, t, rec = _joined(parts, (np.int64, np.int64, np.float64, np.bool_))
        self.follows.upsert(src, dst, {"t": t, "rec": rec})

    def _interactions(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        """Counts summed per pair (all kinds, and shares alone): a touched pair is re-summed whole."""
        c = interactions.c
        q = select(c.actor_id, c.target_account_id, c.kind, func.sum(c.count))
        q = q.group_by(c.actor_id, c.target_account_id, c.kind)
        total: dict[tuple[str, str], list[float]] = {}
        for r in _rows(conn, q, interactions, self.platform, (c.actor_id, c.target_account_id), wanted):
            slot = total.setdefault((r[0], r[1]), [0.0, 0.0])
            value = float(r[3] or 1)
            slot[0] += value
            if r[2] == "share":
                slot[1] += value
        src, dst = self._ends(list(total))
        values = np.array(list(total.values()), dtype=np.float64).reshape(-1, 2)
        self.interactions.upsert(src, dst, {"all": values[:, 0], "share": values[:, 1]})

    def _messages(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        """Counts per pair, and the same count as replies where the export says the recipient started the
        conversation (``initiated_by_sender`` false; unknown is no reply)."""
        c = messages.c
        q = select(c.sender_id, c.recipient_id, c.count, c.initiated_by_sender)
        src, dst, count, reply = self._pair_counts(
            _rows(conn, q, messages, self.platform, (c.sender_id, c.recipient_id), wanted),
            lambda r: r[3] is not None and not r[3],
        )
        self.messages.upsert(src, dst, {"count": count, "reply": np.where(reply, count, 0.0)})

    def _recommendations(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        """How often each pair was shown (a touched pair is counted again whole)."""
        c = recommendations.c
        pair = (c.viewer_id, c.recommended_id)
        q = select(*pair, func.count()).group_by(*pair)
        src, dst, count, _ = self._pair_counts(_rows(conn, q, recommendations, self.platform, pair, wanted))
        self.recommendations.upsert(src, dst, {"count": count})

    def _pair_counts(
        self, rows: Iterable[Any], flag: Callable[[Any], bool] | None = None
    ) -> list[np.ndarray]:
        """Rows of (a, b, count, ...), a batch at a time as the follows: their ends' indices, their counts
        (missing: one) and, per row, ``flag`` of it (False without one)."""
        parts = []
        for got in _batches(rows):
            count = np.fromiter((float(r[2] or 1) for r in got), dtype=np.float64, count=len(got))
            marked = np.fromiter((flag is not None and flag(r) for r in got), dtype=bool, count=len(got))
            parts.append((*self._ends(got), count, marked))
        return _joined(parts, (np.int64, np.int64, np.float64, np.bool_))

    def _posts(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        c = posts.c
        q = select(c.post_id, c.account_id, c.kind)
        for r in _rows(conn, q, posts, self.platform, (c.post_id,), wanted):
            owner = self.nodes(r.account_id)
            kind = STORY if r.kind == "story" else COMMENT if r.kind == "comment" else OTHER
            self._grow(owner + 1)
            old = self.posts.get(r.post_id)
            if old is not None:
                self.post_kinds[old] -= 1
            self.posts[r.post_id] = (owner, kind)
            self.post_kinds[owner, kind] += 1

    def _reports(self, conn: Connection, wanted: list[tuple[str, ...]] | None) -> None:
        c = reports.c
        q = select(c.report_id, c.reporter_id, c.target_type, c.target_id, c.reason)
        for r in _rows(conn, q, reports, self.platform, (c.report_id,), wanted):
            self.reports[r.report_id] = Report(r.reporter_id, r.target_type, r.target_id, r.reason or "")

    def _ends(self, rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        return self.nodes.many(r[0] for r in rows), self.nodes.many(r[1] for r in rows)

    def _grow(self, n: int) -> None:
        if n > len(self.post_kinds):
            grown = np.zeros((max(n, 2 * len(self.post_kinds)), 3))
            grown[: len(self.post_kinds)] = self.post_kinds
            self.post_kinds = grown


def _batches(rows: Iterable[Any]) -> Iterator[list[Any]]:
    """``rows`` in lists of at most ``_BATCH``."""
    it = iter(rows)
    while got := list(islice(it, _BATCH)):
        yield got


def _joined(parts: Sequence[tuple[np.ndarray, ...]], dtypes: tuple[Any, ...]) -> list[np.ndarray]:
    """The batches' columns end to end (empty columns of ``dtypes`` where there is none)."""
    if not parts:
        return [np.zeros(0, dtype=d) for d in dtypes]
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def _rows(
    conn: Connection,
    query: Any,
    table: Any,
    platform: str,
    key: tuple[Any, ...],
    wanted: list[tuple[str, ...]] | None,
) -> Iterator[Any]:
    """The platform's rows, or only those whose ``key`` columns are in ``wanted``: selected by the first
    key column (the leading column of each table's primary key after ``platform``, so an index lookup; a
    row-value ``IN`` was a scan of the table on SQLite) and filtered to the wanted keys here."""
    query = query.where(table.c.platform == platform)
    if wanted is None:
        yield from conn.execution_options(stream_results=True).execute(query)
        return
    keep = set(wanted)
    first = sorted({k[0] for k in wanted})
    for lo in range(0, len(first), _CHUNK):
        for row in conn.execute(query.where(key[0].in_(first[lo : lo + _CHUNK]))):
            if tuple(row[: len(key)]) in keep:
                yield row


__all__ = ["COMMENT", "OTHER", "STORY", "PlatformTables", "Report"]
