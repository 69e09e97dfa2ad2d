"""Turns at SQLite's single write lock, across threads and across worker processes.

SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps up to 100 ms between
tries, so with two ``bastion serve`` workers a request could wait a tenth of a second for a lock that was
free after a millisecond (single-event p99 329 ms with 2 workers, 26 ms with 1, in one bench run). Writers
that take turns here instead block in the kernel on an ``flock`` beside the database and wake the moment it
is released. PostgreSQL needs none of this: its row locks queue.
"""

from __future__ import annotations

import fcntl
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy.engine import make_url


class WriteLock(AbstractContextManager["WriteLock"]):
    """A thread lock, then an exclusive ``flock`` on ``<database>.write`` (opened once, kept)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._thread_lock = threading.Lock()
        self._file: IO[bytes] | None = None

    def __enter__(self) -> WriteLock:
        self._thread_lock.acquire()
        try:
            if self._path is not None:
                if self._file is None:
                    self._file = open(self._path, "ab")
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


def write_lock(url: str) -> AbstractContextManager[object]:
    """The lock a SQLite writer takes around its transaction; nothing for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return nullcontext()
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return WriteLock(None)
    return WriteLock(Path(f"{database}.write"))


__all__ = ["WriteLock", "write_lock"]
