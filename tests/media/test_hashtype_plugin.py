"""A new hash type is one module plus its tests: a toy type, defined and registered here only, is validated
at ingest, stored in the long hash table, matched by the matcher and by a scan, and labelled in a report,
with no other file changed."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.media.conftest import shapes_image

from bastion.core.errors import InputError
from bastion.core.hashtype import HASH_TYPES, HashType
from bastion.ingest import Ingestor
from bastion.media import Matcher, cybertip_hashes, hash_file, media_hashes_of
from bastion.media.banks import HashList
from bastion.media.service import MediaMatcher
from bastion.report.case import gather_case
from bastion.report.xml import Reporter
from bastion.store import Store
from bastion.store.tables_media import media_hashes

NOW = "2026-01-01T00:00:00Z"


class CRC32(HashType):
    """The whole plugin: a name, validation, examples and a label (an exact type gets a dict index)."""

    name = "crc32"
    cybertip_label = "CRC32"
    examples = (f"{zlib.crc32(b'bluefinch'):08x}", "DEADBEEF")
    bad_examples = ("", "deadbee", "xyzxyzxy")

    def hash_file(self, path: str) -> str | None:
        return f"{zlib.crc32(Path(path).read_bytes()):08x}"

    def validate(self, value: str) -> str:
        text = value.strip().lower()
        if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
            raise InputError(f"a crc32 is 8 hex digits, got {value[:20]!r}")
        return text


@pytest.fixture
def crc32() -> Iterator[HashType]:
    with HASH_TYPES.registered(CRC32) as t:
        yield t
    assert "crc32" not in HASH_TYPES


def _posts(folder: Path, *media: list[dict[str, object]]) -> None:
    lines = [
        json.dumps({"post_id": f"p{i}", "account_id": f"a{i}", "created_at": NOW, "media": m})
        for i, m in enumerate(media)
    ]
    (folder / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    accounts = [json.dumps({"account_id": f"a{i}", "created_at": NOW}) for i in range(len(media))]
    (folder / "accounts.jsonl").write_text("\n".join(accounts) + "\n", encoding="utf-8")


def test_a_toy_type_flows_from_ingest_to_match_to_report(
    crc32: HashType, store: Store, tmp_path: Path
) -> None:
    _posts(
        tmp_path,
        [{"media_id": "m0", "crc32": "DEADBEEF", "md5": "ab" * 16}],
        [{"media_id": "m1", "crc32": "not-a-crc"}],
        [{"media_id": "m2", "crc32": "0badf00d"}],
    )
    summary = Ingestor(store, parallel=False).ingest(tmp_path)
    [error] = summary.errors
    assert error.line == 2 and "media[0].crc32 is not a valid crc32 value" in error.message
    with store.engine.connect() as conn:
        rows = conn.execute(select(media_hashes.c.post_id, media_hashes.c.hash_type, media_hashes.c.value))
        assert sorted(tuple(r) for r in rows) == [
            ("p0", "crc32", "deadbeef"),
            ("p0", "video_md5", "ab" * 16),
            ("p2", "crc32", "0badf00d"),
        ]
    matcher = Matcher()
    matcher.bank.add_list(HashList("known"))
    entry = matcher.add("crc32", " DeadBeef ", "known")
    assert [m.entry_id for m in matcher.match({"crc32": "deadbeef"}).matches] == [entry]
    assert not matcher.match({"crc32": "0badf00d"}).matched
    platform = summary.platform
    stats = MediaMatcher(store, matcher).scan(platform)
    assert (stats.media_rows, stats.matched_media, stats.posts) == (2, 1, 1)
    [signal] = [s for s in store.signals.for_entity(platform, "post", "p0") if s.kind == "hash_match"]
    assert signal.evidence["type"] == "crc32" and signal.evidence["value"] == "deadbeef"
    with store.engine.connect() as conn:
        files, _ = cybertip_hashes(media_hashes_of(conn, platform, "p0", "m0"))
    assert files == {"MD5": "ab" * 16, "CRC32": "deadbeef"}
    case, _ = gather_case(store, platform, "a0", reporter=Reporter("ops@example.org"), case_ref="c1")
    [reported] = case.files
    assert reported.hashes == {"MD5": "ab" * 16, "CRC32": "deadbeef"} and reported.perceptual == {}
    matcher.remove(entry)
    assert not matcher.match(crc32="deadbeef").matched


def test_reingest_drops_a_hash_the_item_no_longer_has(store: Store, tmp_path: Path) -> None:
    _posts(tmp_path, [{"media_id": "m0", "pdq": "ab" * 32, "pdq_quality": 80, "md5": "cd" * 16}])
    Ingestor(store, parallel=False).ingest(tmp_path)
    _posts(tmp_path, [{"media_id": "m0", "pdq": "ab" * 32, "pdq_quality": 95}])
    summary = Ingestor(store, parallel=False).ingest(tmp_path, force=True)
    with store.engine.connect() as conn:
        rows = conn.execute(select(media_hashes.c.hash_type, media_hashes.c.value, media_hashes.c.quality))
        assert [tuple(r) for r in rows] == [("pdq", "ab" * 32, 95)]
        assert media_hashes_of(conn, summary.platform, "p0", "m0") == {"pdq": "ab" * 32}


def test_a_saved_index_with_a_type_gone_still_loads(tmp_path: Path) -> None:
    with HASH_TYPES.registered(CRC32):
        matcher = Matcher()
        matcher.bank.add_list(HashList("known"))
        entry = matcher.add("crc32", "deadbeef", "known")
        matcher.add("md5", "ab" * 16, "known")
        matcher.save(tmp_path / "index", {"change_id": 2})
        lists, lookup = matcher.lists, matcher.bank.lookup
    again, state = Matcher.load(tmp_path / "index", lists=lists, lookup=lookup)
    assert state == {"change_id": 2}
    assert again.match(md5="ab" * 16).matched  # the other types still match
    again.unindex_entry(entry, "crc32", "deadbeef")  # and a change to the gone type is harmless
    with pytest.raises(InputError, match="unknown hash type"):
        again.match(crc32="deadbeef")


def test_a_toy_type_hashes_files_and_matches_them(crc32: HashType, tmp_path: Path) -> None:
    path = tmp_path / "shapes.png"
    shapes_image(3).save(path)
    hashes = hash_file(path)
    assert hashes.extra == {"crc32": f"{zlib.crc32(path.read_bytes()):08x}"}
    assert hashes.as_json()["crc32"] == hashes.extra["crc32"]
    matcher = Matcher()
    entry = matcher.add("crc32", hashes.extra["crc32"], "known")
    assert entry in {m.entry_id for m in matcher.match_file(path).matches}
