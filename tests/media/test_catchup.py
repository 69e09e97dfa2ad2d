"""After a full media scan, live posts are caught up by matching only their media."""

from __future__ import annotations

from pathlib import Path

from bastion.core.model import EntityType
from bastion.ingest import Ingestor
from bastion.media.banks import parse_records
from bastion.media.repository import BankRepository
from bastion.media.service import SOURCE, catch_up
from bastion.store import Store
from support.events import event, send
from support.exports import export, small_platform

AT = "2026-03-01T12:00:00Z"


def _inverted(value: str) -> str:
    return "".join(f"{15 - int(c, 16):x}" for c in value.lower())


def _matches(store: Store, etype: EntityType, eid: str) -> list[str]:
    return [s.key for s in store.signals.for_entity("synthbook", etype, eid) if s.source == SOURCE]


def test_catch_up_matches_only_the_new_posts_media(store: Store, tmp_path: Path) -> None:
    Ingestor(store).ingest(export(tmp_path))
    known = small_platform().truth.known_hashes
    repo = BankRepository(store, tmp_path / "index")
    rows = [{"type": k["type"], "value": k["value"], "list": "known", "note": k["note"]} for k in known]
    repo.import_records(list(parse_records(rows)), by="test")
    full = catch_up(store, "synthbook")
    assert full.full and full.rows > 10
    before = store.signals.count("hash_match")
    first = known[0]
    hit = {"media_id": "m1", first["type"]: first["value"]}
    miss = {"media_id": "m1", first["type"]: _inverted(first["value"])}  # every bit differs: no match

    send(
        store,
        "synthbook",
        [
            event("a", "accounts", account_id="live1", created_at=AT),
            event("p1", "posts", post_id="lp1", account_id="live1", created_at=AT,
                  media=[hit]),
            event("p2", "posts", post_id="lp2", account_id="live1", created_at=AT,
                  media=[{**miss, "media_id": "m2"}]),
        ],
    )  # fmt: skip
    step = catch_up(store, "synthbook")
    assert not step.full and step.rows == 2  # the two new posts' media, nothing else
    assert _matches(store, EntityType.POST, "lp1") and _matches(store, EntityType.ACCOUNT, "live1")
    assert store.signals.count("hash_match") == before + 2  # on the post and on its account

    # the post is sent again without the known media: its match (and its account's) goes
    send(store, "synthbook", [event("p3", "posts", post_id="lp1", account_id="live1", created_at=AT,
                                    media=[miss])])  # fmt: skip
    step = catch_up(store, "synthbook")
    assert step.rows == 1 and not _matches(store, EntityType.ACCOUNT, "live1")
    assert store.signals.count("hash_match") == before
