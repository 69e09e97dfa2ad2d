"""Group commit: one writer thread takes every job waiting at that moment and writes them in one durable
transaction, then answers each caller. Concurrent small requests then share one fsync instead of queueing
for the database's write lock (SQLite's busy handler sleeps up to 100 ms between tries). Intake reports and
live events both write through it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")


class GroupCommit(Generic[J, R]):
    """``write(jobs) -> one result per job``, all in one transaction. If a group fails, its jobs are retried
    one by one, so one caller's unstorable input fails only that caller's future."""

    def __init__(
        self,
        write: Callable[[list[J]], list[R]],
        *,
        size: Callable[[J], int],
        name: str,
        max_group: int = 2_000,
    ) -> None:
        self._write = write
        self._size = size
        self._name = name
        self._max_group = max_group
        self._jobs: queue.Queue[tuple[J, Future[R]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, job: J) -> Future[R]:
        """A future that resolves once ``job`` is committed (or fails with the database's error)."""
        future: Future[R] = Future()
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._jobs.put((job, future))
        return future

    def close(self) -> None:
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                self._jobs.put(None)
                self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            group = [first]
            size = self._size(first[0])
            while size < self._max_group:
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._jobs.put(None)
                    break
                group.append(item)
                size += self._size(item[0])
            self._commit(group)

    def _commit(self, group: list[tuple[J, Future[R]]]) -> None:
        try:
            results = self._write([job for job, _ in group])
        except Exception as exc:
            if len(group) == 1:  # this caller learns it was not stored
                group[0][1].set_exception(exc)
                return
            for one in group:
                self._commit([one])
            return
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)


__all__ = ["GroupCommit"]
