"""Which process runs the background jobs: exactly one, however many workers and machines serve the API.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own. The lock belongs to
that connection, so when the process dies, is killed or loses the network, the server frees it and another
worker (on this machine or another) takes over on its next try; no lease to expire, no clock to trust.
On SQLite, which only ever serves one machine, an exclusive ``flock`` on a file beside the database does
the same across the worker processes of that machine; the kernel frees it with the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bastion.core.errors import ConfigError
from bastion.store.engine import normalise_url

log = logging.getLogger("bastion.leader")

#: The advisory lock's key (advisory locks are per database, so one constant serves every deployment).
LOCK_KEY = 0x6261_7374_6E6A  # "bastnj": bastion jobs


class Leader(Protocol):
    """``acquire()`` is called on every poll: it takes the lead if free and confirms it is still held."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLeader:
    """A session advisory lock on an unpooled connection (a pooled one would keep the lock after release)."""

    def __init__(self, url: str, key: int = LOCK_KEY) -> None:
        self.engine = create_engine(normalise_url(url), poolclass=NullPool)
        self.key = key
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1").scalar()
                self._conn.commit()
                return True
            except DBAPIError:  # the connection, and with it the lock, is gone: try again from scratch
                log.warning("lost the leader connection; another worker may take over")
                self._drop()
        try:
            conn = self.engine.connect()
        except DBAPIError:
            log.warning("cannot reach the database to elect a leader")
            return False
        got = bool(conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (self.key,)).scalar())
        conn.commit()  # the lock is the session's: ending the transaction keeps it and never idles in one
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):  # closing frees it anyway
                self._conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (self.key,))
                self._conn.commit()
            self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        assert self._conn is not None
        with contextlib.suppress(DBAPIError):
            self._conn.close()
        self._conn = None


class FileLeader:
    """An exclusive, non-blocking ``flock`` on ``path``, held for as long as this process leads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class SoleLeader:
    """An in-memory SQLite database lives in one process, which therefore always leads."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


def leader_for(url: str) -> Leader:
    """The election that fits the database the service runs on."""
    parsed = make_url(normalise_url(url))
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return PostgresLeader(url)
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return SoleLeader()
        return FileLeader(Path(f"{parsed.database}.leader"))
    raise ConfigError(f"no leader election for database {backend!r}")
