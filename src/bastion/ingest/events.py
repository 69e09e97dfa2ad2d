"""Live events: the export contract's rows arriving one at a time or in batches instead of in folders.

An event is ``{"event_id", "table", "row"}``: ``table`` names an export table and ``row`` is one record of
it, validated by the same :class:`BatchValidator` as a file (so an event and an export line are judged
alike). Events are acknowledged only once committed, and the ``ingest_events`` ledger makes them idempotent
by ``(platform, event_id)``: a replay is answered with the first acknowledgement and writes nothing.

Writes go through one writer thread that takes everything waiting at that moment (many requests, many
events) and commits it in one transaction (group commit), so concurrent single-event requests share a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from bastion.core.timefmt import utcnow
from bastion.ingest.changes import describe
from bastion.ingest.readers import RawBatch
from bastion.ingest.schema import TABLE_NAMES
from bastion.ingest.validate import BatchValidator, ValidBatch
from bastion.store.bulk import execute_many
from bastion.store.changes import append_changes, change_rows, lock_changes
from bastion.store.engine import make_engine
from bastion.store.group_commit import GroupCommit
from bastion.store.tables_events import ingest_events
from bastion.store.writelock import write_lock

if TYPE_CHECKING:
    from bastion.ingest.loader import Ingestor

MAX_ID = 255
MAX_GROUP = 5_000
_IN_CHUNK = 500
#: Ledger rows a statement (4 parameters each: within SQLite's 32,766 and PostgreSQL's 65,535).
_CLAIM_CHUNK = 1_000
#: Validators kept for (table, platform) pairs: they hold no state between batches.
_VALIDATORS = 4_096


@dataclass(frozen=True, slots=True)
class Ack:
    """What an event's sender is told: ``stored`` (now or, with ``replay``, before) or ``rejected``."""

    index: int
    event_id: str | None
    status: str
    stored_at: datetime | None = None
    replay: bool = False
    field: str | None = None
    message: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "event_id": self.event_id, "status": self.status}
        if self.status == "stored":
            out["stored_at"] = self.stored_at.isoformat().replace("+00:00", "Z") if self.stored_at else None
            out["replay"] = self.replay
        else:
            out["field"] = self.field
            out["message"] = self.message
        return out


@dataclass(frozen=True, slots=True)
class Prepared:
    """A valid event, its row already in the driver's form."""

    index: int
    event_id: str
    table: str
    row: tuple[Any, ...]
    media: tuple[tuple[Any, ...], ...] = ()


def durable_engine(url: str) -> Engine:
    """Its own engine whose SQLite commits are fsynced (``synchronous=FULL``): an acknowledged event then
    survives a power cut, not only a killed process. PostgreSQL commits durably by default."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _full(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    return engine


def _reject(index: int, event_id: Any, field: str, message: str) -> Ack:
    eid = event_id if isinstance(event_id, str) else None
    return Ack(index, eid, "rejected", field=field, message=message)


class EventLog:
    """Validates events against the export contract and stores them through one group-commit writer."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor
        self.engine = durable_engine(ingestor.store.url)
        self._known_platforms: set[str] = set()
        self._conn: Connection | None = None  # the writer thread's
        self._turn = write_lock(ingestor.store.url)  # SQLite: one writer at a time across workers
        self._claim_sql: dict[int, str] = {}
        self._validators: dict[tuple[str, str], BatchValidator] = {}
        self._group: GroupCommit[tuple[str, list[Prepared]], list[Ack]] = GroupCommit(
            self._write,
            size=lambda job: len(job[1]),
            name="bastion-event-writer",
            max_group=MAX_GROUP,
            on_stop=self._release,
        )

    # ---- validation (in the caller's thread) --------------------------------------------------------
    def validate(self, items: Sequence[object], platform: str) -> tuple[list[Prepared], list[Ack]]:
        """Valid events in order, and a rejection (index, field, message) for every other item."""
        rejected: list[Ack] = []
        by_table: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        for index, item in enumerate(items):
            problem = self._shape_problem(item, platform)
            if problem is not None:
                rejected.append(
                    _reject(index, item.get("event_id") if isinstance(item, dict) else None, *problem)
                )
                continue
            assert isinstance(item, dict)
            by_table.setdefault(item["table"], []).append((index, item["event_id"], item["row"]))
        prepared: list[Prepared] = []
        for table, group in by_table.items():
            ok, bad = self._validate_table(table, group, platform)
            prepared.extend(ok)
            rejected.extend(bad)
        prepared.sort(key=lambda p: p.index)
        rejected.sort(key=lambda a: a.index)
        return prepared, rejected

    @staticmethod
    def _shape_problem(item: object, platform: str) -> tuple[str, str] | None:
        if not isinstance(item, dict):
            return "event", 'must be an object {"event_id", "table", "row"}'
        event_id = item.get("event_id")
        if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_ID:
            return "event_id", f"is required: text of 1 to {MAX_ID} characters"
        table = item.get("table")
        if table not in TABLE_NAMES:
            return "table", f"must be one of {', '.join(TABLE_NAMES)}"
        if not isinstance(item.get("row"), dict):
            return "row", "must be an object with the table's fields"
        unknown = set(item) - {"event_id", "table", "row"}
        if unknown:
            return sorted(unknown)[0], "is not an event field (event_id, table, row)"
        named = item["row"].get("platform")
        if named not in (None, "", platform):
            return "row.platform", f"this token writes platform {platform!r} only"
        return None

    def _validate_table(
        self, table: str, group: list[tuple[int, str, dict[str, Any]]], platform: str
    ) -> tuple[list[Prepared], list[Ack]]:
        spec = self.ingestor.specs[table]
        names: dict[str, None] = {}
        for _, _, fields in group:
            names.update(dict.fromkeys(fields))
        columns = {name: [fields.get(name) for _, _, fields in group] for name in names}
        lines = list(range(len(group)))
        raw = RawBatch(columns, lines, [], len(group), 0)
        validator = self._validators.get((table, platform))
        if validator is None:
            validator = BatchValidator(spec, "events", platform, "event")
            if len(self._validators) < _VALIDATORS:
                self._validators[(table, platform)] = validator
        checked: ValidBatch = validator.validate(raw)
        bad_lines = {e.line for e in checked.errors}
        rejected = [
            _reject(group[e.line or 0][0], group[e.line or 0][1], f"row.{e.field or 'row'}", e.message)
            for e in checked.errors
        ]
        kept = [i for i in lines if i not in bad_lines]
        key_at = spec.stored_fields.index(spec.key[1]) + 1  # after the platform column
        media_of: dict[Any, list[tuple[Any, ...]]] = {}
        for m in checked.media:
            media_of.setdefault(m[1], []).append(m)
        prepared = []
        for line, row in zip(kept, checked.rows, strict=True):
            index, event_id, _ = group[line]
            media = tuple(media_of.pop(row[key_at], ())) if spec.name == "posts" else ()
            prepared.append(Prepared(index, event_id, table, row, media))
        return prepared, rejected

    # ---- storing (one writer thread, group commit) --------------------------------------------------
    def submit(self, platform: str, events: list[Prepared]) -> Future[list[Ack]]:
        """A future resolving to one ack per event (in order) once they are committed."""
        if not events:
            done: Future[list[Ack]] = Future()
            done.set_result([])
            return done
        return self._group.submit((platform, events))

    def submit_async(self, platform: str, events: list[Prepared]) -> Awaitable[list[Ack]]:
        """:meth:`submit` for a coroutine: resolved in its event loop, one wake-up per group."""
        if not events:
            done: asyncio.Future[list[Ack]] = asyncio.get_running_loop().create_future()
            done.set_result([])
            return done
        return self._group.submit_async((platform, events))

    def store(self, platform: str, events: list[Prepared]) -> list[Ack]:
        """Synchronous :meth:`submit` (CLI, tests)."""
        return self.submit(platform, events).result()

    def close(self) -> None:
        self._group.close()
        self.engine.dispose()

    def _release(self) -> None:
        """In the writer thread as it stops: give its connection back (SQLite's is bound to the thread)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _write(self, jobs: list[tuple[str, list[Prepared]]]) -> list[list[Ack]]:
        """:meth:`_write_once`; a kept connection that fails for any reason but a refused value (it may have
        died since the last group: no pre-ping here) is dropped and the group written once more on a fresh
        one. Were the first commit to have landed, the retry finds its ids and answers them as stored."""
        reused = self._conn is not None
        try:
            return self._write_once(jobs)
        except (DataError, IntegrityError):
            raise
        except DBAPIError:
            if not reused:
                raise
            return self._write_once(jobs)

    def _write_once(self, jobs: list[tuple[str, list[Prepared]]]) -> list[list[Ack]]:
        """One transaction: claim the group's new event ids in the ledger (``INSERT … ON CONFLICT DO NOTHING
        RETURNING``: the ids it returns are this group's to write, the rest are replays), then their rows."""
        now = utcnow()
        conn = self._connection()
        try:
            with self._turn, conn.begin():
                platforms = {p for p, _ in jobs}
                if platforms - self._known_platforms:
                    self.ingestor._add_platforms(conn, platforms - self._known_platforms)
                unique: dict[tuple[str, str], Prepared] = {}
                for platform, events in jobs:
                    for e in events:
                        unique.setdefault((platform, e.event_id), e)
                lock_changes(conn)  # change seqs commit in order
                claimed = self._claim(conn, unique, now)
                first_seen: dict[tuple[str, str], datetime] = dict.fromkeys(claimed, now)
                replays = [key for key in unique if key not in claimed]
                if replays:
                    first_seen.update(self._first_seen(conn, replays))
                fresh = [(key[0], e) for key, e in unique.items() if key in claimed]
                self._write_rows(conn, [e for _, e in fresh], now)
                if fresh:
                    self._write_changes(conn, fresh, now)
        except BaseException as exc:
            if not isinstance(exc, (DataError, IntegrityError)):  # refused values leave it usable
                self._drop_connection()  # a broken one is not reused: the retry checks out a fresh one
            raise
        self._known_platforms |= platforms
        out: list[list[Ack]] = []
        for platform, events in jobs:
            answers = []
            written: set[str] = set()
            for e in events:
                key = (platform, e.event_id)
                replay = key not in claimed or e.event_id in written
                written.add(e.event_id)
                answers.append(Ack(e.index, e.event_id, "stored", first_seen.get(key, now), replay))
            out.append(answers)
        return out

    def _write_changes(self, conn: Any, fresh: list[tuple[str, Prepared]], now: datetime) -> None:
        """One change-log row per stored event, in arrival order (what catch-up reads)."""
        rows = []
        for platform, e in fresh:
            key, accounts = describe(self.ingestor.specs[e.table], e.row)
            rows += change_rows(platform, [(e.table, key, accounts)], now)
        append_changes(conn, rows)

    def _claim(
        self, conn: Connection, unique: dict[tuple[str, str], Prepared], now: datetime
    ) -> set[tuple[str, str]]:
        """Insert the ledger rows; the keys that were not there before (one multi-row statement a chunk,
        no read first: a read of hundreds of ids by ``IN`` was planned as a scan of the platform's whole
        ledger on PostgreSQL, a cost growing with the ledger)."""
        at = self.ingestor._to_driver(now)
        keys = list(unique.items())
        claimed: set[tuple[str, str]] = set()
        for s in range(0, len(keys), _CLAIM_CHUNK):
            chunk = keys[s : s + _CLAIM_CHUNK]
            params: list[Any] = []
            for (platform, event_id), e in chunk:
                params += (platform, event_id, e.table, at)
            sql = self._claim_sql.get(len(chunk))
            if sql is None:
                sql = self._claim_sql.setdefault(len(chunk), self._claim_statement(len(chunk)))
            claimed.update((p, i) for p, i in conn.exec_driver_sql(sql, tuple(params)))
        return claimed

    def _claim_statement(self, rows: int) -> str:
        mark = "?" if self.engine.dialect.name == "sqlite" else "%s"
        one = f"({mark}, {mark}, {mark}, {mark})"
        return (
            "INSERT INTO ingest_events (platform, event_id, table_name, received_at) VALUES "
            + ", ".join([one] * rows)
            + " ON CONFLICT DO NOTHING RETURNING platform, event_id"
        )

    @staticmethod
    def _first_seen(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
        """When replayed event ids were first stored (a replay is the rare case: read only for those)."""
        found: dict[tuple[str, str], datetime] = {}
        for platform in {p for p, _ in keys}:
            ids = [i for p, i in keys if p == platform]
            for s in range(0, len(ids), _IN_CHUNK):
                query = select(ingest_events.c.event_id, ingest_events.c.received_at).where(
                    ingest_events.c.platform == platform,
                    ingest_events.c.event_id.in_(ids[s : s + _IN_CHUNK]),
                )
                found.update(((platform, r.event_id), r.received_at) for r in conn.execute(query))
        return found

    def _connection(self) -> Connection:
        """The writer thread's own connection, kept between groups (no pool checkout and no PostgreSQL
        pre-ping round trip per group)."""
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken; the pool replaces it
                conn.invalidate()
                conn.close()

    def _write_rows(self, conn: Any, events: list[Prepared], now: datetime) -> None:
        """Rows table by table in arrival order (a later profile change wins), posts before their media."""
        by_table: dict[str, list[Prepared]] = {}
        for e in events:
            by_table.setdefault(e.table, []).append(e)
        seen = (self.ingestor._to_driver(now),)
        for table in TABLE_NAMES:
            batch = by_table.get(table)
            if not batch:
                continue
            stamped = self.ingestor.specs[table].stamp is not None
            rows = [e.row + seen if stamped else e.row for e in batch]
            execute_many(conn, self.ingestor._sql[table], rows)
            media = [m for e in batch for m in e.media]
            if media:
                self.ingestor._write_media(conn, media)
