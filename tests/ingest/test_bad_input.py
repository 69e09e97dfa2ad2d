"""Inputs that used to load nothing silently, eat a row, or fail a whole batch: each is now a clear error
naming the file (and line and field), a non-zero exit, and every good row beside it is kept."""

from __future__ import annotations

import codecs
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.ingest.loader import Ingestor
from bastion.store import Store
from bastion.store.tables import accounts, posts

runner = CliRunner()
HEADER = "account_id,created_at,bio\n"
ROW = "a{i},2023-06-07T12:00:00Z,note {i}\n"


def _ingest(folder: Path, db_url: str) -> tuple[int, str]:
    res = runner.invoke(app, ["ingest", str(folder), "--db", db_url], terminal_width=250)
    assert "Traceback" not in res.output
    return res.exit_code, res.output


def _count(store: Store, table: object = accounts) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_empty_folder_and_empty_file_load_nothing_and_say_so(tmp_path: Path, db_url: str) -> None:
    empty = tmp_path / "shopA"
    empty.mkdir()
    code, out = _ingest(empty, db_url)
    assert code == 2 and "holds no export file" in out
    (empty / "accounts.csv").write_bytes(b"")
    code, out = _ingest(empty, db_url)
    assert code == 1 and "accounts.csv: is empty" in out and "nothing was loaded" in out


def test_a_file_without_header_is_refused_not_eaten(tmp_path: Path, store: Store, db_url: str) -> None:
    folder = tmp_path / "shopB"
    folder.mkdir()
    (folder / "accounts.csv").write_text("".join(ROW.format(i=i) for i in range(3)), encoding="utf-8")
    (folder / "posts.csv").write_text(
        "post_id,account_id,created_at\np1,a1,2023-06-07T12:00:00Z\n", encoding="utf-8"
    )
    code, out = _ingest(folder, db_url)
    assert code == 1 and "accounts.csv, line 1: has no header row" in out
    assert _count(store) == 0 and _count(store, posts) == 1  # the other file still loaded


def test_utf16_with_a_byte_order_mark_is_decoded_without_one_refused(
    tmp_path: Path, store: Store, db_url: str
) -> None:
    folder = tmp_path / "shopC"
    folder.mkdir()
    text = HEADER + ROW.format(i=1) + ROW.format(i=2)
    (folder / "accounts.csv").write_bytes(text.encode("utf-16"))  # BOM + UTF-16
    code, out = _ingest(folder, db_url)
    assert code == 0, out
    assert _count(store) == 2
    (folder / "accounts.csv").write_bytes(text.encode("utf-16-le"))  # no BOM
    code, out = _ingest(folder, db_url)
    assert code == 1 and "accounts.csv: is not UTF-8 text" in out
    (folder / "accounts.csv").write_bytes(codecs.BOM_UTF8 + (HEADER + ROW.format(i=3)).encode())
    assert _ingest(folder, db_url)[0] == 0 and _count(store) == 3


def test_nul_or_undecodable_bytes_reject_one_row_not_the_batch(tmp_path: Path, store: Store) -> None:
    """On PostgreSQL one NUL used to abort the whole batch's write; now only its row is rejected."""
    folder = tmp_path / "shopD"
    folder.mkdir()
    rows = [ROW.format(i=i).encode() for i in range(6)]
    rows[2] = b"a2,2023-06-07T12:00:00Z,bad\x00value\n"
    rows[4] = b"a4,2023-06-07T12:00:00Z,bad\xffbyte\n"
    (folder / "accounts.csv").write_bytes(HEADER.encode() + b"".join(rows))
    (folder / "posts.jsonl").write_text(
        '{"post_id":"p1","account_id":"a1","created_at":"2023-06-07T12:00:00Z","tag":"\\u0000"}\n'
        '{"post_id":"p2","account_id":"a1","created_at":"2023-06-07T12:00:00Z","tag":{"k":["ok"]}}\n'
        '{"post_id":"p3","account_id":"a1","created_at":"2023-06-07T12:00:00Z","d":'
        + "[" * 50_000
        + "]" * 50_000
        + "}\n",
        encoding="utf-8",
    )
    summary = Ingestor(store, batch_rows=100).ingest(folder)
    assert _count(store) == 4 and _count(store, posts) == 1
    where = {(e.file, e.line, e.field) for e in summary.errors}
    assert ("accounts.csv", 4, "bio") in where and ("accounts.csv", 6, "bio") in where
    assert ("posts.jsonl", 1, "tag") in where and ("posts.jsonl", 3, None) in where
