"""Group commit for intake (:class:`bastion.store.group_commit.GroupCommit`): reports waiting at the same
moment are stored in one durable transaction, then each request is answered."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import Engine

from bastion.review.intake import ReportIn, store_reports
from bastion.store.group_commit import GroupCommit

Status = str
MAX_GROUP = 2_000


class IntakeWriter:
    def __init__(self, engine: Engine, lock: AbstractContextManager[object] | None = None) -> None:
        self.engine = engine
        self._lock = lock if lock is not None else nullcontext()
        self._group: GroupCommit[Sequence[ReportIn], list[Status]] = GroupCommit(
            self._write, size=len, name="bastion-intake-writer", max_group=MAX_GROUP
        )

    def submit(self, items: Sequence[ReportIn]) -> Future[list[Status]]:
        """A future that resolves once ``items`` are committed (or fails with the database's error)."""
        if not items:
            done: Future[list[Status]] = Future()
            done.set_result([])
            return done
        return self._group.submit(items)

    def close(self) -> None:
        self._group.close()

    def _write(self, batches: list[Sequence[ReportIn]]) -> list[list[Status]]:
        with self._lock:
            statuses: list[Status] = list(store_reports(self.engine, [i for batch in batches for i in batch]))
        out, start = [], 0
        for batch in batches:
            out.append(statuses[start : start + len(batch)])
            start += len(batch)
        return out
