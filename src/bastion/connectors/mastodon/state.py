"""The Mastodon connector's own durable state (one SQLite file, fsynced): the action-feed cursor, the audit
log of every admin API call under its idempotency key (a call recorded ``done`` is never made again), and the
evidence preserved before an account is suspended (encrypted; see :mod:`.preserve`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    key TEXT PRIMARY KEY, action TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
    detail TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    key TEXT PRIMARY KEY, account_id TEXT NOT NULL, ciphertext TEXT NOT NULL, manifest TEXT NOT NULL,
    preserved_at REAL NOT NULL, preserve_until REAL NOT NULL
);
"""


class State:
    def __init__(self, directory: str | Path) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.path = Path(directory) / "mastodon.db"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def get(self, key: str, default: str = "") -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    # ---- audit ----------------------------------------------------------------------------------------
    def audited(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT status FROM audit WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def audit(self, key: str, action: str, target: str, status: str, detail: str = "") -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                (key, action, target, status, detail[:2000], time.time()),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, action, target, status, detail, at FROM audit ORDER BY at, rowid"
            ).fetchall()
        names = ("key", "action", "target", "status", "detail", "at")
        return [dict(zip(names, r, strict=True)) for r in rows]

    # ---- evidence -------------------------------------------------------------------------------------
    def preserved(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT account_id, ciphertext, manifest, preserved_at, preserve_until FROM evidence"
                " WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        names = ("account_id", "ciphertext", "manifest", "preserved_at", "preserve_until")
        return dict(zip(names, row, strict=True))

    def preserve(self, key: str, account_id: str, ciphertext: str, manifest: str, until: float) -> None:
        """Keep one evidence record (another under the same key is ignored: the first is the evidence)."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
                (key, account_id, ciphertext, manifest, time.time(), until),
            )

    def purge_due(self, now: float | None = None) -> int:
        """Delete evidence whose preservation period has ended, each deletion audited; returns the count."""
        now = now if now is not None else time.time()
        with self._lock:
            due = self._db.execute(
                "SELECT key, account_id FROM evidence WHERE preserve_until <= ?", (now,)
            ).fetchall()
            self._db.execute("BEGIN IMMEDIATE")
            for key, account_id in due:
                self._db.execute("DELETE FROM evidence WHERE key = ?", (key,))
                self._db.execute(
                    "INSERT OR REPLACE INTO audit VALUES (?, 'purge', ?, 'done', ?, ?)",
                    (f"purge:{key}", account_id, "preservation period ended", now),
                )
            self._db.execute("COMMIT")
        return len(due)

    def close(self) -> None:
        with self._lock:
            self._db.close()
