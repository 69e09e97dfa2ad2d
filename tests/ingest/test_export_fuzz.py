"""An export folder as a platform's own export job might write it on a bad day, drawn by hypothesis.

Each table of the contract may be there or not, as CSV or JSON lines, with its columns in any order, a
required one missing or an unknown one added, and each cell valid or not (empty, an unknown enum value, a
negative or fractional count, a date without a zone or that never was, broken media JSON, quotes, line
breaks, NUL, confusables), rows too short or too long. Whatever the folder, ingest ends: every row it read
is accepted or rejected with an error naming file, line (from 2: line 1 is the header) and, where one
field is at fault, that field; a file refused whole is named; nothing accepted is lost (each table holds
at most what was accepted, and something whenever a row was). Derandomised; a fresh SQLite store each.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bastion.core.errors import InputError
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store import tables as t
from support.fuzzing import fuzz

NOW = "2023-06-07T12:00:00Z"
ids = st.sampled_from(["a1", "a2", "a3", "", " a1", "a\x00", "ａ1"])
when = st.sampled_from(
    [NOW, "2023-06-07T12:00:00+02:00", "2023-06-07T12:00:00", "2023-02-30T00:00:00Z", "", "noon"]
)
count = st.sampled_from(["1", "7", "0", "-1", "2.5", "many", ""])
flag = st.sampled_from(["true", "false", "1", "maybe", ""])
text = st.one_of(st.sampled_from(["bluefinch", "", '"', "a,b", "line\nbreak", "\x00"]), st.text(max_size=10))
media = st.sampled_from(
    [
        "",
        "[]",
        '[{"media_id":"m1","md5":"d41d8cd98f00b204e9800998ecf8427e"}]',
        '[{"pdq":"zz"}]',
        "{",
        '"x"',
        "[1]",
    ]
)


def enum(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from([*values, "", "other"])


TABLES: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "accounts": {
        "account_id": ids,
        "created_at": when,
        "username": text,
        "external_links": text,
        "age_band": enum("minor", "adult", "unknown"),
        "status": enum("active", "disabled", "deleted"),
        "followers_count": count,
    },
    "follows": {
        "follower_id": ids,
        "followee_id": ids,
        "created_at": when,
        "source": enum("search", "profile"),
    },
    "posts": {
        "post_id": st.sampled_from(["p1", "p2", ""]),
        "account_id": ids,
        "created_at": when,
        "kind": enum("post", "story"),
        "text": text,
        "hashtags": text,
        "media": media,
    },
    "interactions": {
        "actor_id": ids,
        "target_account_id": ids,
        "kind": enum("like", "share"),
        "count": count,
        "first_at": when,
        "last_at": when,
    },
    "messages": {
        "sender_id": ids,
        "recipient_id": ids,
        "count": count,
        "first_at": when,
        "last_at": when,
        "initiated_by_sender": flag,
    },
    "searches": {"account_id": ids, "query": text, "created_at": when, "results_shown": count},
    "reports": {
        "report_id": st.sampled_from(["r1", "r2", ""]),
        "reporter_id": ids,
        "target_type": enum("account", "post"),
        "target_id": ids,
        "reason": text,
        "created_at": when,
    },
    "seeds": {"account_id": ids, "reason": text, "source": enum("report", "analyst")},
}
STORED = {name: getattr(t, name) for name in TABLES}  # each table of the contract, as stored


@st.composite
def tables(draw: st.DrawFn) -> dict[str, tuple[str, str]]:
    out = {}
    for name in draw(st.lists(st.sampled_from(sorted(TABLES)), min_size=1, max_size=4, unique=True)):
        columns = dict(TABLES[name])
        header = draw(st.permutations(list(columns)))
        if draw(st.integers(0, 5)) == 0:
            header = header[1:]  # a column missing (required or not)
        if draw(st.integers(0, 5)) == 0:
            header = [*header, "extra"]
        rows = []
        for _ in range(draw(st.integers(0, 5))):
            row = {c: draw(columns[c]) if c in columns else "x" for c in header}
            rows.append(row)
        if draw(st.booleans()):
            out[name] = (".csv", _csv(header, rows, draw(st.integers(-1, 1))))
        else:
            out[name] = (".jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    return out


def _csv(header: list[str], rows: list[dict[str, str]], ragged: int) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for k, row in enumerate(rows):
        cells = [row[c] for c in header]
        if k == 0 and ragged < 0:
            cells = cells[:-1]
        elif k == 0 and ragged > 0:
            cells = [*cells, "more"]
        writer.writerow(cells)
    return buf.getvalue()


@fuzz(40)
@given(tables())
def test_any_export_folder_loads_row_by_row_and_names_what_it_refuses(
    tmp_path_factory: object, files: dict[str, tuple[str, str]]
) -> None:
    root = Path(tmp_path_factory.mktemp("fuzz"))  # type: ignore[attr-defined]
    folder = root / "shop"
    folder.mkdir()
    for name, (suffix, body) in files.items():
        (folder / f"{name}{suffix}").write_text(body, encoding="utf-8")
    store = Store(f"sqlite:///{root / 'bastion.db'}")
    try:
        try:
            summary = Ingestor(store, batch_rows=3).ingest(folder)
        except InputError as exc:
            assert exc.message and exc.file
            return
        for error in summary.errors:
            assert error.file and error.line is not None and error.line >= 1, error
        for failed in summary.failed_files:
            assert failed.file, failed
        with store.engine.connect() as conn:
            for name, got in summary.tables.items():
                assert got.read == got.accepted + got.rejected, name
                held = int(conn.execute(select(func.count()).select_from(STORED[name])).scalar_one())
                assert held <= got.accepted, name
                assert (held > 0) == (got.accepted > 0), name
    finally:
        store.close()
