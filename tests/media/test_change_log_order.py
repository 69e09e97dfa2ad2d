"""Change ids reach readers in order, so a refresh never steps over a change that commits late.

The race needs PostgreSQL (a sequence id is drawn at insert, seen at commit); on SQLite writers are
serialised by the database and the same test shows the same outcome, so it runs on both backends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bastion.media.banks import PDQ
from bastion.media.repository import BankRepository
from bastion.store import Store

HASH_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
HASH_B = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
WAIT = 30.0  # seconds: no step of this test may hang longer


def _in_thread(fn: Callable[[], Any], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_on_a_lock(store: Store) -> bool:
    """Whether some session of this database waits for a lock (PostgreSQL only; SQLite cannot tell)."""
    if store.dialect != "postgresql":
        return False
    query = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
        " WHERE NOT l.granted AND d.datname = current_database()"
    )
    with store.engine.connect() as conn:
        return bool(conn.execute(query).scalar_one())


def test_a_change_committed_late_is_not_skipped(db_url: str, tmp_path: Path) -> None:
    reader_store, a_store, b_store = Store(db_url), Store(db_url), Store(db_url)
    a_ready, a_release = threading.Event(), threading.Event()
    a_committed = threading.Event()

    def hold_before_commit(_conn: Any) -> None:
        """A's transaction has drawn its change id and written everything: keep it open until told."""
        if not a_ready.is_set():
            a_ready.set()
            a_release.wait(WAIT)
            a_committed.set()  # (the commit itself follows this hook at once)

    try:
        reader = BankRepository(reader_store, tmp_path / "reader")
        reader.ensure_list("known", by="ana")
        matcher = reader.matcher  # loaded before both writes: they must reach it by refresh alone
        event.listen(a_store.engine, "commit", hold_before_commit)
        errors: list[BaseException] = []
        writer_a = _in_thread(
            lambda: BankRepository(a_store, tmp_path / "a").add(PDQ, HASH_A, "known", by="ana"), errors
        )
        assert a_ready.wait(WAIT), errors
        b_done_before_a_commit: list[bool] = []

        def add_b() -> None:
            BankRepository(b_store, tmp_path / "b").add(PDQ, HASH_B, "known", by="bo")
            b_done_before_a_commit.append(not a_committed.is_set())

        writer_b = _in_thread(add_b, errors)
        deadline = time.monotonic() + 1.0  # B either commits past A (the bug) or waits for A
        while writer_b.is_alive() and not _waiting_on_a_lock(reader_store) and time.monotonic() < deadline:
            time.sleep(0.02)
        between = reader.refresh()  # the moment a high-water mark could step over A for good
        a_release.set()
        writer_a.join(WAIT)
        writer_b.join(WAIT)
        assert not writer_a.is_alive() and not writer_b.is_alive() and not errors, errors
        reader.refresh()
        assert matcher.match(pdq=HASH_B, quality=90).matched
        assert matcher.match(pdq=HASH_A, quality=90).matched, "A's change committed late and was skipped"
        assert b_done_before_a_commit == [False], "B's add must complete only after A commits"
        assert between == 0  # neither writer had committed yet
        assert reader.version == 2
    finally:
        a_release.set()
        for s in (reader_store, a_store, b_store):
            s.close()
