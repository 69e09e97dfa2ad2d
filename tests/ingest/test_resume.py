"""Idempotent re-loads, and loads that die half-way and are finished by a re-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables import accounts, ingest_files
from support.exports import export, snapshot


def test_loading_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = export(tmp_path)
    Ingestor(store).ingest(folder)
    before = snapshot(store)
    again = Ingestor(store).ingest(folder)
    assert all(t.skipped_files == t.files for t in again.tables.values())
    assert snapshot(store) == before
    forced = Ingestor(store).ingest(folder, force=True)  # every row re-read and upserted
    assert forced.accepted == sum(len(v) for k, v in before.items() if k != "media")
    assert snapshot(store) == before


def test_changed_export_updates_rows(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    path = folder / "accounts.csv"
    path.write_text("account_id,created_at,status\na1,2023-06-07T12:00:00Z,active\n", encoding="utf-8")
    Ingestor(store).ingest(folder)
    path.write_text("account_id,created_at,status\na1,2023-06-07T12:00:00Z,disabled\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    Ingestor(store).ingest(folder)
    with store.engine.connect() as conn:
        assert conn.execute(select(accounts.c.status)).scalars().all() == ["disabled"]


class Crash(RuntimeError):
    pass


def test_interrupted_load_resumes_where_it_stopped(store: Store, tmp_path: Path, db_url: str) -> None:
    folder = export(tmp_path)
    calls = {"n": 0}

    def die_on_third_batch(name: str, done: int, total: int) -> None:
        if name == "follows.csv":
            calls["n"] += 1
            if calls["n"] == 3:
                raise Crash

    with pytest.raises(Crash):
        Ingestor(store, batch_rows=400).ingest(folder, progress=die_on_third_batch)
    with store.engine.connect() as conn:
        row = conn.execute(select(ingest_files).where(ingest_files.c.table_name == "follows")).one()
    assert not row.complete and row.position == 1200
    summary = Ingestor(store, batch_rows=400).ingest(folder)
    assert summary.tables["follows"].resumed_from == 1200
    assert summary.tables["accounts"].skipped_files == ["accounts.csv"]

    with Store(f"sqlite:///{tmp_path / 'clean.db'}") as clean:
        Ingestor(clean).ingest(folder)
        assert snapshot(store) == snapshot(clean)


def test_sigkill_mid_load_then_rerun(tmp_path: Path, db_url: str) -> None:
    """A real crash: killed while loading, what it committed is consistent and a re-run completes."""
    folder = export(tmp_path)
    env = {**os.environ, "BASTION_DATABASE_URL": db_url, "BASTION_INGEST_BATCH_ROWS": "50"}
    cmd = [sys.executable, "-m", "bastion.cli.main", "ingest", str(folder)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    Store(db_url).close()
    deadline = time.monotonic() + 60
    with Store(db_url) as watcher:
        while time.monotonic() < deadline:
            with watcher.engine.connect() as conn:
                rows = conn.execute(select(ingest_files.c.table_name, ingest_files.c.complete)).all()
            if any(t == "follows" for t, _ in rows):
                break
            time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(db_url) as killed, killed.engine.connect() as conn:
        state = dict(conn.execute(select(ingest_files.c.table_name, ingest_files.c.complete)).all())
    assert state.get("follows") is False  # killed in the middle of the follows file
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Store(db_url) as resumed, Store(f"sqlite:///{tmp_path / 'clean.db'}") as clean:
        Ingestor(clean).ingest(folder)
        assert snapshot(resumed) == snapshot(clean)
