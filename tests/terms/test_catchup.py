"""After a full term scan, live events are caught up by scanning only the rows they stored."""

from __future__ import annotations

from pathlib import Path

from bastion.core.model import EntityType
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import SOURCE, catch_up
from support.events import event, send
from support.exports import export

AT = "2026-03-01T12:00:00Z"


def _terms(store: Store, etype: EntityType, eid: str) -> list[str]:
    return [s.key for s in store.signals.for_entity("synthbook", etype, eid) if s.source == SOURCE]


def test_catch_up_scans_only_the_rows_events_stored(store: Store, tmp_path: Path) -> None:
    Ingestor(store).ingest(export(tmp_path))
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category,severity\nbluefinch,network_code,critical\n", encoding="utf-8")
    LexiconRepository(store).import_lexicon(parse_lexicon_csv(lexicon, name="demo"), by="test")
    full = catch_up(store, "synthbook")
    assert full.full and full.rows > 300  # every account, post and search
    before = store.signals.count("term_match")
    assert catch_up(store, "synthbook").rows == 0  # nothing new

    send(
        store,
        "synthbook",
        [
            event("e1", "accounts", account_id="live1", created_at=AT, bio="all about b1uefinch"),
            event("e2", "posts", post_id="lp1", account_id="live1", created_at=AT, text="hello", hashtags=""),
            event("e3", "posts", post_id="lp2", account_id="live1", created_at=AT, hashtags="#bluefinchlove"),
        ],
    )
    step = catch_up(store, "synthbook")
    assert not step.full and step.rows == 3  # one account and two posts read, nothing else
    assert _terms(store, EntityType.ACCOUNT, "live1") and _terms(store, EntityType.POST, "lp2")
    assert not _terms(store, EntityType.POST, "lp1")
    assert store.signals.count("term_match") == before + 2

    # a profile change drops the match it no longer makes; the rest of the platform is untouched
    send(store, "synthbook", [event("e4", "accounts", account_id="live1", created_at=AT, bio="birds")])
    step = catch_up(store, "synthbook")
    assert step.rows == 1 and not _terms(store, EntityType.ACCOUNT, "live1")
    assert store.signals.count("term_match") == before + 1
    assert catch_up(store, "synthbook").rows == 0
    assert store.changes.checkpoint(SOURCE, "synthbook") == store.changes.head("synthbook") == 4
