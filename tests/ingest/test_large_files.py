"""The large-file path (reader in a second process, indexes rebuilt at the end) loads the same rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables import follows
from support.exports import export, snapshot


def test_worker_path_matches_in_process_path(tmp_path: Path, db_url: str) -> None:
    folder = export(tmp_path)
    with (folder / "follows.csv").open("a", encoding="utf-8") as fh:
        fh.write("u1,u2,not-a-time,profile\n")
    with Store(db_url) as big_store:
        summary = Ingestor(big_store, batch_rows=500, large_file_bytes=150_000).ingest(folder)
        [error] = summary.errors
        assert error.file == "follows.csv" and error.field == "created_at"
        assert error.line == summary.tables["follows"].read + 1  # pickled across the process boundary intact
        assert summary.tables["follows"].files == ["follows.csv"]
        big = snapshot(big_store)
        with big_store.engine.connect() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("follows")}
        assert {i.name for i in follows.indexes} <= names  # the deferred index is back
    with Store(f"sqlite:///{tmp_path / 'small.db'}") as small_store:
        Ingestor(small_store, batch_rows=500, parallel=False).ingest(folder)
        assert snapshot(small_store) == big


def test_dropped_index_is_restored_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with Store(url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_follows_followee")
    with Store(url) as store, store.engine.connect() as conn:
        assert "ix_follows_followee" in {i["name"] for i in inspect(conn).get_indexes("follows")}
