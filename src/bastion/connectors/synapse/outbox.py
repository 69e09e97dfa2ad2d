"""The connector's durable state in one small SQLite file: the outbox of events and reports waiting for
Bastion, checkpoints, the upload hashes seen, where each message lives, the enforcement audit log, and the
preserved copies of events taken before they are redacted.

Every write is committed with ``synchronous=FULL`` before the caller goes on, so an event queued here
survives Synapse being killed; it leaves only once Bastion acknowledged it (stored, or rejected as invalid,
which is kept in ``dead`` for an operator). The outbox is bounded: past ``queue_max`` waiting rows a new
event is refused here (counted in ``overflowed`` and logged); event reports are never lost that way, since
their checkpoint only moves once they are queued.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
    key TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS dead (id INTEGER PRIMARY KEY, kind TEXT, key TEXT, payload TEXT, error TEXT,
    at REAL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (media_id TEXT PRIMARY KEY, hashes TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, sender TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS preserved (event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL,
    sender TEXT NOT NULL, event TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (key TEXT PRIMARY KEY, action TEXT NOT NULL, target TEXT NOT NULL,
    status TEXT NOT NULL, detail TEXT, at REAL NOT NULL);
"""


class Full(Exception):
    """The outbox holds ``queue_max`` rows: Bastion has been unreachable for long."""


class Outbox:
    def __init__(self, directory: str | Path, *, queue_max: int = 1_000_000) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.path = Path(directory) / "connector.db"
        self.queue_max = queue_max
        self.overflowed = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._size = int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # ---- queue ----------------------------------------------------------------------------------------
    def put(
        self, kind: str, key: str, payload: dict[str, Any], *, state: tuple[str, str] | None = None
    ) -> None:
        """Queue one item (and, in the same commit, set a checkpoint ``state=(key, value)``)."""
        self.put_many(kind, [(key, payload)], state=state)

    def put_many(
        self, kind: str, items: list[tuple[str, dict[str, Any]]], *, state: tuple[str, str] | None = None
    ) -> None:
        with self._lock:
            if self._size + len(items) > self.queue_max:
                self.overflowed += len(items)
                raise Full(f"outbox holds {self._size} items (queue_max {self.queue_max})")
            with self._tx():
                self._db.executemany(
                    "INSERT INTO outbox (kind, key, payload) VALUES (?, ?, ?)",
                    [(kind, key, json.dumps(p, separators=(",", ":"))) for key, p in items],
                )
                if state is not None:
                    self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", state)
            self._size += len(items)

    def take(self, kind: str, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        """The oldest waiting items of ``kind`` (they stay until :meth:`done`)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, key, payload FROM outbox WHERE kind = ? ORDER BY id LIMIT ?", (kind, limit)
            ).fetchall()
        return [(int(i), str(k), json.loads(p)) for i, k, p in rows]

    def done(self, ids: list[int], dead: dict[int, str] | None = None) -> None:
        """Remove acknowledged items; ``dead`` (id -> why) are kept aside for an operator."""
        if not ids:
            return
        with self._lock, self._tx():
            for item_id, why in (dead or {}).items():
                self._db.execute(
                    "INSERT OR REPLACE INTO dead"
                    " SELECT id, kind, key, payload, ?, ? FROM outbox WHERE id = ?",
                    (why, time.time(), item_id),
                )
            self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
            self._size -= len(ids)

    def waiting(self, kind: str | None = None) -> int:
        with self._lock:
            if kind is None:
                return self._size
            return int(self._db.execute("SELECT count(*) FROM outbox WHERE kind = ?", (kind,)).fetchone()[0])

    def dead(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return [
                (str(k), str(key), str(e))
                for k, key, e in self._db.execute("SELECT kind, key, error FROM dead")
            ]

    # ---- checkpoints and lookups ----------------------------------------------------------------------
    def get_state(self, key: str, default: str = "") -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_state(self, key: str, value: str) -> None:
        with self._lock, self._tx():
            self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    def remember_upload(self, media_id: str, hashes: dict[str, Any]) -> None:
        with self._lock, self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?)", (media_id, json.dumps(hashes), time.time())
            )

    def upload(self, media_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT hashes FROM uploads WHERE media_id = ?", (media_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember_room(self, event_id: str, room_id: str, sender: str) -> None:
        with self._lock, self._tx():
            self._db.execute("INSERT OR REPLACE INTO rooms VALUES (?, ?, ?)", (event_id, room_id, sender))

    def room_of(self, event_id: str) -> tuple[str, str] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT room_id, sender FROM rooms WHERE event_id = ?", (event_id,)
            ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def rooms_of_sender(self, sender: str) -> list[str]:
        """Rooms where the connector saw ``sender`` post (known after deactivation made it leave them)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT room_id FROM rooms WHERE sender = ? ORDER BY room_id", (sender,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    # ---- preservation ---------------------------------------------------------------------------------
    def preserve(self, events: list[dict[str, Any]]) -> int:
        """Keep full copies of events (as Synapse stored them) before anything destroys their content.
        A copy taken earlier is kept: the first copy is the unredacted one."""
        now = time.time()
        rows = [
            (str(e["event_id"]), str(e.get("room_id", "")), str(e.get("sender", "")), json.dumps(e), now)
            for e in events
        ]
        with self._lock, self._tx():
            self._db.executemany("INSERT OR IGNORE INTO preserved VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def preserved(self, event_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT event FROM preserved WHERE event_id = ?", (event_id,)).fetchone()
        return json.loads(row[0]) if row else None

    # ---- audit ----------------------------------------------------------------------------------------
    def audited(self, key: str) -> str | None:
        """The recorded status of an enforcement call (``done`` means: never repeat it)."""
        with self._lock:
            row = self._db.execute("SELECT status FROM audit WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def audit(self, key: str, action: str, target: str, status: str, detail: str = "") -> None:
        with self._lock, self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                (key, action, target, status, detail[:2000], time.time()),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, action, target, status, detail, at FROM audit ORDER BY at"
            ).fetchall()
        return [
            dict(zip(("key", "action", "target", "status", "detail", "at"), r, strict=True)) for r in rows
        ]

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
