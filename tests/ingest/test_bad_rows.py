"""Each kind of bad row: a clear error naming file, line and field; the rest of the file still loads."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from bastion.core.errors import InputError
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables import accounts, follows, ingest_rejects, media, posts

GOOD = "2023-06-07T12:00:00Z"
ACCOUNT_HEADER = "account_id,created_at,age_band,status,followers_count\n"

CASES = [
    # (description, bad line, field or None, message fragment)
    ("missing id", f",{GOOD},adult,active,1", "account_id", "is required"),
    ("not a timestamp", "a9,yesterday,adult,active,1", "created_at", "not an ISO 8601"),
    ("timestamp without zone", "a9,2023-06-07T12:00:00,adult,active,1", "created_at", "no time zone"),
    ("impossible date", "a9,2023-02-30T12:00:00Z,adult,active,1", "created_at", "not an ISO 8601"),
    ("unknown enum value", f"a9,{GOOD},elder,active,1", "age_band", "not one of"),
    ("negative count", f"a9,{GOOD},adult,active,-4", "followers_count", "negative"),
    ("not a number", f"a9,{GOOD},adult,active,many", "followers_count", "not a whole number"),
    ("dated in the future", "a9,2099-06-07T12:00:00Z,adult,active,1", "created_at", "is in the future"),
    ("too few fields", "a9,2023-06-07T12:00:00Z", None, "has 2 fields"),
    ("too many fields", f"a9,{GOOD},adult,active,1,extra", None, "has 6 fields"),
]


def _accounts_file(folder: Path, bad: str) -> None:
    lines = [f"a{i},{GOOD},adult,active,{i}" for i in range(1, 4)]
    lines.insert(1, bad)  # the bad row is on line 3 of the file
    (folder / "accounts.csv").write_text(ACCOUNT_HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def _count(store: Store, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


@pytest.mark.parametrize(("what", "bad", "field", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_csv_row(
    store: Store, tmp_path: Path, what: str, bad: str, field: str | None, fragment: str
) -> None:
    _accounts_file(tmp_path, bad)
    summary = Ingestor(store).ingest(tmp_path)
    assert summary.tables["accounts"].accepted == 3
    assert summary.tables["accounts"].rejected == 1
    [error] = summary.errors
    assert (error.file, error.line, error.field) == ("accounts.csv", 3, field)
    assert fragment in error.message
    assert "accounts.csv, line 3" in str(error)
    assert _count(store, accounts) == 3
    assert _count(store, ingest_rejects) == 1


def test_bad_rows_in_a_fast_batch_keep_their_neighbours(store: Store, tmp_path: Path) -> None:
    """A batch that fails the column check is walked row by row: only the bad rows go."""
    rows = [f"a{i},{GOOD},adult,active,{i}" for i in range(200)]
    rows[57] = f"a57,{GOOD},adult,active,-1"
    rows[150] = "a150,not-a-time,adult,active,1"
    (tmp_path / "accounts.csv").write_text(ACCOUNT_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    summary = Ingestor(store, batch_rows=64).ingest(tmp_path)
    assert [(e.line, e.field) for e in summary.errors] == [(59, "followers_count"), (152, "created_at")]
    assert _count(store, accounts) == 198


def test_line_numbers_count_line_breaks_inside_values(store: Store, tmp_path: Path) -> None:
    content = (
        f'account_id,created_at,bio\na1,{GOOD},"two\nlines"\na2,{GOOD},"three\nline\nbio"\na3,soon,plain\n'
    )
    (tmp_path / "accounts.csv").write_text(content, encoding="utf-8")
    [error] = Ingestor(store).ingest(tmp_path).errors
    assert error.line == 7
    assert _count(store, accounts) == 2


def test_invalid_utf8_is_rejected_by_row(store: Store, tmp_path: Path) -> None:
    data = (
        (ACCOUNT_HEADER + f"a1,{GOOD},adult,active,1\n").encode()
        + b"a\xff2,"
        + f"{GOOD},adult,active,1\n".encode()
    )
    (tmp_path / "accounts.csv").write_bytes(data)
    [error] = Ingestor(store).ingest(tmp_path).errors
    assert (error.line, error.field) == (3, "account_id")
    assert "UTF-8" in error.message


def test_missing_required_column(store: Store, tmp_path: Path) -> None:
    (tmp_path / "follows.csv").write_text(
        "follower_id,created_at\na,2023-06-07T12:00:00Z\n", encoding="utf-8"
    )
    summary = Ingestor(store).ingest(tmp_path)
    [error] = summary.errors
    assert (error.file, error.line, error.field) == ("follows.csv", 2, "followee_id")
    assert _count(store, follows) == 0


def test_bad_jsonl_lines(store: Store, tmp_path: Path) -> None:
    good = {"follower_id": "a", "followee_id": "b", "created_at": GOOD}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({**good, "followee_id": "c", "source": "telepathy"}),
        json.dumps({**good, "followee_id": 17}),  # numeric ids are accepted as text
        json.dumps({**good, "followee_id": {"nested": 1}}),
    ]
    (tmp_path / "follows.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = Ingestor(store).ingest(tmp_path)
    assert [(e.line, e.field) for e in summary.errors] == [
        (2, None),
        (3, None),
        (4, "source"),
        (6, "followee_id"),
    ]
    assert "not valid JSON" in summary.errors[0].message
    assert _count(store, follows) == 2


def test_bad_media_item_names_the_item(store: Store, tmp_path: Path) -> None:
    media_ok = json.dumps([{"media_id": "m1", "pdq": "ab" * 32, "pdq_quality": 90}])
    media_bad = json.dumps([{"media_id": "m2", "md5": "ab" * 16}, {"media_id": "m3", "pdq_quality": 101}])
    (tmp_path / "posts.jsonl").write_text(
        json.dumps({"post_id": "p1", "account_id": "a", "created_at": GOOD, "media": json.loads(media_ok)})
        + "\n"
        + json.dumps({"post_id": "p2", "account_id": "a", "created_at": GOOD, "media": json.loads(media_bad)})
        + "\n",
        encoding="utf-8",
    )
    summary = Ingestor(store).ingest(tmp_path)
    [error] = summary.errors
    assert (error.line, error.field) == (2, "media")
    assert "media[1].pdq_quality" in error.message
    assert _count(store, posts) == 1
    assert _count(store, media) == 1


def test_bad_parquet_row_is_located_by_row(store: Store, tmp_path: Path) -> None:
    table = pa.table(
        {
            "account_id": ["a1", "a2", "a3"],
            "created_at": [GOOD, "2023-13-01T00:00:00Z", GOOD],
            "age_band": ["adult", "minor", "adult"],
        }
    )
    pq.write_table(table, tmp_path / "accounts.parquet")
    [error] = Ingestor(store).ingest(tmp_path).errors
    assert (error.file, error.line, error.field, error.unit) == ("accounts.parquet", 2, "created_at", "row")
    assert "row 2" in str(error)


def test_strict_stops_at_first_bad_row(store: Store, tmp_path: Path) -> None:
    rows = [f"a{i},{GOOD},adult,active,{i}" for i in range(100)]
    rows[70] = "a70,never,adult,active,1"
    (tmp_path / "accounts.csv").write_text(ACCOUNT_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        Ingestor(store, batch_rows=25).ingest(tmp_path, strict=True)
    assert (info.value.line, info.value.field) == (72, "created_at")
    assert _count(store, accounts) == 50  # the two batches before the bad one stay committed


def test_bad_platform_json(store: Store, tmp_path: Path) -> None:
    (tmp_path / "platform.json").write_text('{"platform": ""}', encoding="utf-8")
    with pytest.raises(InputError, match=r"platform\.json"):
        Ingestor(store).ingest(tmp_path)
