"""TermGuard over a small SQLite store: scan signals, blocked-search signals, discovery contexts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bastion.terms.guard import Action, GuardPolicy, Viewer
from bastion.terms.lexicon import Lexicon

store_mod = pytest.importorskip("bastion.store")
tables = pytest.importorskip("bastion.store.tables")


def test_scan_guard_and_discover(tmp_path: Path) -> None:
    from bastion.terms.service import TermGuard

    store = store_mod.Store(f"sqlite:///{tmp_path / 'b.db'}")
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(tables.platforms.insert(), [{"name": "p", "first_seen_at": t0}])
        conn.execute(
            tables.accounts.insert(),
            [
                {
                    "platform": "p",
                    "account_id": "a1",
                    "created_at": t0,
                    "username": "b1uef1nch_fan",
                    "bio": "hi",
                },
                {
                    "platform": "p",
                    "account_id": "a2",
                    "created_at": t0,
                    "username": "gardener",
                    "bio": "roses",
                },
            ],
        )
        conn.execute(
            tables.posts.insert(),
            [
                {"platform": "p", "post_id": f"x{i}", "account_id": "a1", "created_at": t0,
                 "text": "see ｂｌｕｅｆｉｎｃｈ", "hashtags": "BlueFinch;finchblu;sunset"}
                for i in range(4)
            ]
            + [{"platform": "p", "post_id": f"y{i}", "account_id": "a2", "created_at": t0,
                "text": "my roses", "hashtags": "sunset;garden"} for i in range(20)],
        )  # fmt: skip
        conn.execute(
            tables.searches.insert(),
            [
                {"platform": "p", "account_id": "a1", "created_at": t0 + timedelta(minutes=i), "query": q}
                for i, q in enumerate(["bluefinch", "finchblu", "weather"])
            ],
        )
    guard = TermGuard(
        store, [Lexicon.of("k", [("bluefinch", "cat_block", 4)])], GuardPolicy(frozenset({"cat_block"}))
    )
    assert guard.scan("p") > 0
    acct = store.signals.for_entity("p", "account", "a1")
    assert {s.kind for s in acct} == {"term_match"} and acct[0].evidence["column"] == "username"
    assert store.signals.for_entity("p", "account", "a2") == []
    post = store.signals.for_entity("p", "post", "x0")
    assert {s.evidence["column"] for s in post} == {"text", "hashtags"}
    d = guard.guard("p", "b1uefinch", Viewer("a2"))
    assert d.action is Action.BLOCK
    assert [s.kind for s in store.signals.for_entity("p", "account", "a2")] == ["blocked_search"]
    cands = guard.discover("p")
    assert cands and cands[0].item == "finchblu"
    store.close()
