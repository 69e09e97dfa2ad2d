"""The live events' change log as consumers read it: what changed after a checkpoint, and the checkpoints.

The event writer appends one change per accepted event (``ingest_changes``, in commit order); a consumer
(the term scan, the media scan, detection) reads the changes after its own checkpoint, works on only what
they touch, then moves its checkpoint to the last seq it read. Export folders loaded by ``bastion ingest``
are not in the log: they move the scan ledger's data version instead, and consumers then start over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from bastion.core.timefmt import utcnow
from bastion.store.bulk import upsert_one
from bastion.store.tables_events import catchup_checkpoints, ingest_changes

#: PostgreSQL advisory lock held by every transaction that writes changes, taken before its other writes
#: (so it never waits for the lock while holding row locks another writer needs): change seqs then commit
#: in order, and a catch-up that read up to seq N never finds an earlier seq committed later.
CHANGES_LOCK = 727_017


def lock_changes(conn: Connection) -> None:
    """Take :data:`CHANGES_LOCK` for the rest of the transaction (PostgreSQL; SQLite has one writer)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({CHANGES_LOCK})"))


def append_changes(conn: Connection, rows: list[Any]) -> None:
    """Write ``change_rows`` in a transaction that took :func:`lock_changes` first."""
    if rows:
        conn.execute(insert(ingest_changes), rows)


def report_change(
    report_id: str, reporter_id: str, target_type: str, target_id: str
) -> tuple[dict[str, str], list[str]]:
    """(key, accounts) of a stored report, whichever way it arrived (an event or the report API): the key
    keeps the target, which catch-up resolves to its owner; the accounts are the reporter and an account
    target."""
    key = {"report_id": report_id, "target_type": target_type, "target_id": target_id}
    about = [reporter_id, *([target_id] if target_type == "account" and target_id else [])]
    return key, list(dict.fromkeys(a for a in about if a))


@dataclass(frozen=True, slots=True)
class Change:
    """One stored event: its table, the row's key fields and the accounts it is about."""

    seq: int
    table: str
    key: dict[str, str]
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Changes:
    """The changes of one platform after a checkpoint, up to ``head`` (the last seq read)."""

    after: int
    head: int
    items: tuple[Change, ...]

    def of(self, *tables: str) -> list[Change]:
        return [c for c in self.items if c.table in tables]

    def accounts(self) -> set[str]:
        return {a for c in self.items for a in c.accounts}

    def keys(self, table: str, field: str) -> set[str]:
        return {c.key[field] for c in self.items if c.table == table and field in c.key}


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What one catch-up of a scan did: a ``full`` rescan, else only the rows the new events touched
    (``rows`` read, ``signals`` written), up to change ``seq``."""

    full: bool
    rows: int
    signals: int
    seq: int


class ChangeLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def head(self, platform: str) -> int:
        """The last seq stored for the platform (0 when no event has arrived)."""
        query = select(func.max(ingest_changes.c.seq)).where(ingest_changes.c.platform == platform)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def since(self, platform: str, after: int, *, until: int | None = None) -> Changes:
        """Every change after ``after`` (and at most ``until``), in order."""
        c = ingest_changes.c
        query = select(c.seq, c.table_name, c.row_key, c.accounts).where(
            c.platform == platform, c.seq > after
        )
        if until is not None:
            query = query.where(c.seq <= until)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(c.seq)).all()
        items = tuple(
            Change(int(r.seq), str(r.table_name), dict(r.row_key or {}), tuple(r.accounts or ()))
            for r in rows
        )
        head = items[-1].seq if items else after
        return Changes(after, head, items)

    def checkpoint(self, consumer: str, platform: str) -> int | None:
        """The last seq ``consumer`` processed on the platform; ``None`` before its first catch-up."""
        q = select(catchup_checkpoints.c.seq).where(
            catchup_checkpoints.c.consumer == consumer, catchup_checkpoints.c.platform == platform
        )
        with self._engine.connect() as conn:
            value = conn.execute(q).scalar()
        return None if value is None else int(value)

    def advance(self, consumer: str, platform: str, seq: int, *, conn: Connection | None = None) -> None:
        values = {"seq": seq, "updated_at": utcnow()}
        key = {"consumer": consumer, "platform": platform}
        if conn is not None:
            upsert_one(conn, catchup_checkpoints, key, values)
            return
        with self._engine.begin() as c:
            upsert_one(c, catchup_checkpoints, key, values)


def change_rows(
    platform: str, changes: Iterable[tuple[str, dict[str, str], list[str]]], at: Any
) -> list[Any]:
    """Rows for ``ingest_changes`` from (table, key, accounts), in the order given."""
    return [
        {"platform": platform, "table_name": t, "row_key": k, "accounts": a, "received_at": at}
        for t, k, a in changes
    ]


__all__ = [
    "CHANGES_LOCK",
    "CatchUp",
    "Change",
    "ChangeLog",
    "Changes",
    "append_changes",
    "change_rows",
    "lock_changes",
    "report_change",
]
