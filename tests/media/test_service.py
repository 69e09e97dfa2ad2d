"""The scan wiring: media rows in the store become hash_match signals on posts and accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bastion.media.banks import MD5, PDQ, HashList
from bastion.media.matcher import Matcher
from bastion.media.service import MediaMatcher, vpdq_frames
from bastion.store import Store
from bastion.store.tables import media, platforms, posts
from bastion.store.tables_media import media_hashes

A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
B = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
NEAR_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d"  # 4 bits from A


def test_scan_stores_signals_and_rescan_drops_removed(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        with store.engine.begin() as conn:
            conn.execute(platforms.insert(), [{"name": "demo", "first_seen_at": now}])
            conn.execute(
                posts.insert(),
                [
                    {"platform": "demo", "post_id": f"p{i}", "account_id": f"a{i}", "created_at": now}
                    for i in range(4)
                ],
            )
            items = [
                ("p0", "m0", {"pdq": (NEAR_A, 90)}),
                ("p1", "m1", {"pdq": (NEAR_A, 20)}),
                ("p2", "m2", {MD5: ("d" * 32, None)}),
                ("p3", "m3", {"vpdq": (json.dumps([[0, 100, B, 0.0], [1, 100, NEAR_A, 1.0]]), None)}),
            ]
            key = [{"platform": "demo", "post_id": p, "media_id": m} for p, m, _ in items]
            conn.execute(media.insert(), key)
            conn.execute(
                media_hashes.insert(),
                [
                    {
                        "platform": "demo",
                        "post_id": p,
                        "media_id": m,
                        "hash_type": t,
                        "value": v,
                        "quality": q,
                    }
                    for p, m, hashes in items
                    for t, (v, q) in hashes.items()
                ],
            )
        matcher = Matcher()
        matcher.bank.add_list(HashList("known", threshold=31))
        entry = matcher.add(PDQ, A, "known", tags=["tidelamp"])
        matcher.add(MD5, "d" * 32, "known")
        service = MediaMatcher(store, matcher)
        stats = service.scan("demo")
        assert (stats.media_rows, stats.matched_media, stats.low_quality) == (4, 3, 1)
        post_sig = store.signals.for_entity("demo", "post", "p0")
        assert len(post_sig) == 1 and post_sig[0].kind == "hash_match"
        assert post_sig[0].evidence["distance"] == 4 and post_sig[0].evidence["tags"] == ["tidelamp"]
        assert store.signals.for_entity("demo", "account", "a0")[0].evidence["list"] == "known"
        assert store.signals.for_entity("demo", "post", "p1") == []  # quality 20: not matched
        assert store.signals.for_entity("demo", "post", "p3")  # a vPDQ frame matched
        matcher.remove(entry)
        service.scan("demo")
        assert store.signals.for_entity("demo", "post", "p0") == []
        assert store.signals.for_entity("demo", "post", "p2")


def test_vpdq_column_formats() -> None:
    assert vpdq_frames(json.dumps([[0, 90, A, 0.0]])) == [(90, A)]
    assert vpdq_frames(json.dumps({"0": {"quality": 80, "hash": A, "timestamp": 0.0}})) == [(80, A)]
    assert vpdq_frames("not json") == [] and vpdq_frames(None) == []
