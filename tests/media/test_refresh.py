"""``bastion detect`` refreshes the media scan only when the data or the lists changed."""

from __future__ import annotations

from pathlib import Path

from bastion.ingest import Ingestor
from bastion.media.banks import parse_records
from bastion.media.repository import BankRepository
from bastion.media.service import refresh_stale
from bastion.store import Store
from support.exports import export, small_platform


def test_refresh_runs_once_per_change(store: Store, tmp_path: Path) -> None:
    Ingestor(store).ingest(export(tmp_path))
    assert refresh_stale(store, "synthbook") == 0  # no lists yet
    known = small_platform().truth.known_hashes
    repo = BankRepository(store, tmp_path / "index")
    rows = [{"type": k["type"], "value": k["value"], "list": "known", "note": k["note"]} for k in known]
    repo.import_records(list(parse_records(rows)), by="test")
    first = refresh_stale(store, "synthbook")
    assert first > 0 and store.signals.count("hash_match") == first
    assert refresh_stale(store, "synthbook") == 0
    # a newly imported list is a change of the lists, read from the database, not from a matcher this
    # process may not have loaded (an outside check's new list was "up to date" until a manual scan)
    other = [{"type": k["type"], "value": k["value"], "list": "partner", "note": ""} for k in known[:1]]
    BankRepository(store, tmp_path / "index").import_records(list(parse_records(other)), by="test")
    assert refresh_stale(store, "synthbook") > 0
    assert refresh_stale(store, "synthbook") == 0
    BankRepository(store, tmp_path / "index").remove("known", known[0]["value"], by="test")
    assert refresh_stale(store, "synthbook") > 0  # the lists changed: scanned again
