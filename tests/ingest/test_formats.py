"""Every table loads from CSV, JSONL and Parquet, and the three give the same database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth.export import COLUMNS
from support.exports import export, snapshot


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_each_table_loads_in_each_format(store: Store, tmp_path: Path, fmt: str) -> None:
    folder = export(tmp_path, fmt)
    summary = Ingestor(store, batch_rows=500).ingest(folder)
    assert summary.platform == "synthbook"
    assert set(summary.tables) == set(COLUMNS)
    for name, table in summary.tables.items():
        assert table.rejected == 0, (name, summary.errors[:3])
        assert table.read == table.accepted > 0, name
    snap = snapshot(store)
    assert len(snap["accounts"]) == 300
    assert len(snap["media"]) > 0


def test_formats_agree(tmp_path: Path, db_url: str) -> None:
    """The same platform written three ways loads to identical rows (types, defaults, media, extras)."""
    snaps = []
    for fmt in ("csv", "jsonl", "parquet"):
        url = db_url if fmt == "csv" else f"sqlite:///{tmp_path / fmt}.db"
        with Store(url) as store:
            Ingestor(store).ingest(export(tmp_path, fmt, name=f"e-{fmt}"))
            snaps.append(snapshot(store))
    assert snaps[0] == snaps[1] == snaps[2]


def test_mixed_formats_and_unknown_files(store: Store, tmp_path: Path) -> None:
    folder = export(tmp_path, "csv", formats={"follows": "parquet", "posts": "jsonl"})
    (folder / "notes.txt").write_text("not a table")
    summary = Ingestor(store).ingest(folder)
    assert summary.tables["follows"].files == ["follows.parquet"]
    assert summary.tables["posts"].files == ["posts.jsonl"]
    assert summary.ignored_files == ["notes.txt"]
    assert summary.rejected == 0


def test_unknown_columns_are_kept(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "accounts.csv").write_text(
        "account_id,created_at,shoe_size,team\na1,2023-06-07T12:00:00Z,42,\n", encoding="utf-8"
    )
    Ingestor(store).ingest(folder)
    row = snapshot(store)["accounts"][0]
    assert (("shoe_size", "42"),) in row
    assert row[0] == "p"  # platform defaults to the folder's name without platform.json
