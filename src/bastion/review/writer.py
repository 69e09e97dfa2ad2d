"""Group commit for intake: one writer thread takes every report waiting at that moment and stores them in
one durable transaction, then answers each request. Concurrent single-report requests then share one fsync
instead of queueing for SQLite's write lock (whose busy handler sleeps up to 100 ms between tries)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import Engine

from bastion.review.intake import ReportIn, store_reports

Status = str
MAX_GROUP = 2_000


class IntakeWriter:
    def __init__(self, engine: Engine, lock: AbstractContextManager[object] | None = None) -> None:
        self.engine = engine
        self._lock = lock if lock is not None else nullcontext()
        self._jobs: queue.Queue[tuple[Sequence[ReportIn], Future[list[Status]]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, items: Sequence[ReportIn]) -> Future[list[Status]]:
        """A future that resolves once ``items`` are committed (or fails with the database's error)."""
        future: Future[list[Status]] = Future()
        if not items:
            future.set_result([])
            return future
        self._ensure_started()
        self._jobs.put((items, future))
        return future

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="bastion-intake-writer", daemon=True)
                self._thread.start()

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
            size = len(first[0])
            while size < MAX_GROUP:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)
                    break
                group.append(job)
                size += len(job[0])
            self._commit(group)

    def _commit(self, group: list[tuple[Sequence[ReportIn], Future[list[Status]]]]) -> None:
        items = [item for batch, _ in group for item in batch]
        try:
            with self._lock:
                statuses: list[Status] = list(store_reports(self.engine, items))
        except Exception as exc:
            if len(group) == 1:  # this request learns it was not stored
                group[0][1].set_exception(exc)
                return
            for job in group:  # one caller's unstorable report must not fail the others' write
                self._commit([job])
            return
        start = 0
        for batch, future in group:
            future.set_result(statuses[start : start + len(batch)])
            start += len(batch)
