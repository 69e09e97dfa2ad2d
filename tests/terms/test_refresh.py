"""``bastion detect`` refreshes the term scan only when its inputs changed."""

from __future__ import annotations

from pathlib import Path

from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import refresh_stale
from support.exports import export


def test_refresh_runs_once_per_change(store: Store, tmp_path: Path) -> None:
    folder = export(tmp_path)
    Ingestor(store).ingest(folder)
    assert refresh_stale(store, "synthbook") == 0  # no lexicon: nothing to scan
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category,severity\nbluefinch,network_code,critical\n", encoding="utf-8")
    LexiconRepository(store).import_lexicon(parse_lexicon_csv(lexicon, name="demo"), by="test")
    first = refresh_stale(store, "synthbook")
    assert first > 0
    assert store.signals.count("term_match") > 0
    assert refresh_stale(store, "synthbook") == 0  # nothing changed since
    Ingestor(store).ingest(folder, force=True)
    assert refresh_stale(store, "synthbook") == first  # new load: scanned again, same answer
