"""Live events: the export contract's rows arriving one at a time or in batches instead of in folders.

An event is ``{"event_id", "table", "row"}``: ``table`` names an export table and ``row`` is one record of
it, validated by the same :class:`BatchValidator` as a file (so an event and an export line are judged
alike). Events are acknowledged only once committed, and the ``ingest_events`` ledger makes them idempotent
by ``(platform, event_id)``: a replay is answered with the first acknowledgement and writes nothing.

Writes go through one writer thread that takes everything waiting at that moment (many requests, many
events) and commits it in one transaction (group commit), so concurrent single-event requests share a commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, insert, select, text

from bastion.core.timefmt import utcnow
from bastion.ingest.changes import describe
from bastion.ingest.readers import RawBatch
from bastion.ingest.schema import TABLE_NAMES
from bastion.ingest.validate import BatchValidator, ValidBatch
from bastion.store.bulk import execute_many, insert_ignore
from bastion.store.changes import change_rows
from bastion.store.engine import make_engine
from bastion.store.group_commit import GroupCommit
from bastion.store.tables_events import ingest_changes, ingest_events

if TYPE_CHECKING:
    from bastion.ingest.loader import Ingestor

MAX_ID = 255
MAX_GROUP = 5_000
#: PostgreSQL advisory lock held by an event commit, so change seqs are committed in order (catch-up reads
#: up to the last seq it sees and must never find an earlier one committed later).
CHANGES_LOCK = 727_017
_IN_CHUNK = 500


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
        self._group: GroupCommit[tuple[str, list[Prepared]], list[Ack]] = GroupCommit(
            self._write, size=lambda job: len(job[1]), name="bastion-event-writer", max_group=MAX_GROUP
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
        checked: ValidBatch = BatchValidator(spec, "events", platform, "event").validate(raw)
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

    def store(self, platform: str, events: list[Prepared]) -> list[Ack]:
        """Synchronous :meth:`submit` (CLI, tests)."""
        return self.submit(platform, events).result()

    def close(self) -> None:
        self._group.close()
        self.engine.dispose()

    def _write(self, jobs: list[tuple[str, list[Prepared]]]) -> list[list[Ack]]:
        now = utcnow()
        first_seen: dict[tuple[str, str], datetime] = {}
        with self.engine.begin() as conn:
            new_platforms = {p for p, _ in jobs} - self._known_platforms
            if new_platforms:
                self.ingestor._add_platforms(conn, new_platforms)
            for platform in {p for p, _ in jobs}:
                ids = list({e.event_id for p, events in jobs if p == platform for e in events})
                for s in range(0, len(ids), _IN_CHUNK):
                    query = select(ingest_events.c.event_id, ingest_events.c.received_at).where(
                        ingest_events.c.platform == platform,
                        ingest_events.c.event_id.in_(ids[s : s + _IN_CHUNK]),
                    )
                    first_seen.update(((platform, r.event_id), r.received_at) for r in conn.execute(query))
            replayed = set(first_seen)
            fresh: list[tuple[str, Prepared]] = []
            for platform, events in jobs:
                for e in events:
                    key = (platform, e.event_id)
                    if key not in first_seen:
                        first_seen[key] = now
                        fresh.append((platform, e))
            if fresh:
                if conn.dialect.name == "postgresql":
                    conn.execute(text(f"SELECT pg_advisory_xact_lock({CHANGES_LOCK})"))
                conn.execute(
                    insert_ignore(conn, ingest_events),
                    [
                        {"platform": p, "event_id": e.event_id, "table_name": e.table, "received_at": now}
                        for p, e in fresh
                    ],
                )
                self._write_rows(conn, [e for _, e in fresh], now)
                self._write_changes(conn, fresh, now)
        self._known_platforms |= {p for p, _ in jobs}
        out: list[list[Ack]] = []
        for platform, events in jobs:
            answers = []
            written: set[str] = set()
            for e in events:
                key = (platform, e.event_id)
                replay = key in replayed or e.event_id in written
                written.add(e.event_id)
                answers.append(Ack(e.index, e.event_id, "stored", first_seen[key], replay))
            out.append(answers)
        return out

    def _write_changes(self, conn: Any, fresh: list[tuple[str, Prepared]], now: datetime) -> None:
        """One change-log row per stored event, in arrival order (what catch-up reads)."""
        rows = []
        for platform, e in fresh:
            key, accounts = describe(self.ingestor.specs[e.table], e.row)
            rows += change_rows(platform, [(e.table, key, accounts)], now)
        conn.execute(insert(ingest_changes), rows)

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
