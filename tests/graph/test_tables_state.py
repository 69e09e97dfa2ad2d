"""The platform's tables kept in memory and patched from the change log build the same graph as a fresh read
of the database: every layer, follow time, attribute, signal, link domain and fact, in the same node order."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bastion.graph.keyed import KeyedPairs
from bastion.graph.load import LoadedPlatform, build_platform, load_platform
from bastion.graph.signals import SHARED_LINK
from bastion.graph.tables_state import PlatformTables
from bastion.ingest import Ingestor
from bastion.review.intake import ReportIn, store_reports
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion
from support.events import event, send

AT = "2026-03-01T12:00:00Z"
LATER = "2026-03-02T08:30:00Z"
PLATFORM = "synthbook"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tables") / "export"
    write_export(generate(SynthConfig(accounts=300, seed=3)), folder, fmt="csv")
    return folder


def assert_same(a: LoadedPlatform, b: LoadedPlatform) -> None:
    ga, gb = a.graph, b.graph
    assert ga.ids == gb.ids
    assert sorted(ga.layers) == sorted(gb.layers)
    for name, layer in ga.layers.items():
        assert (layer != gb.layers[name]).nnz == 0, name
    assert ga.follow_times is not None and gb.follow_times is not None
    for part in ("src", "dst", "t"):
        np.testing.assert_array_equal(getattr(ga.follow_times, part), getattr(gb.follow_times, part))
    for part in ("age_band", "account_age_days", "post_count", "stories_ratio"):
        np.testing.assert_array_equal(getattr(ga.attrs, part), getattr(gb.attrs, part), err_msg=part)
    assert sorted(ga.signals) == sorted(gb.signals)
    for kind, values in ga.signals.items():
        np.testing.assert_array_equal(values, gb.signals[kind], err_msg=kind)
    assert a.domains == b.domains
    assert a.facts == b.facts
    assert sorted(ga.shared) == sorted(gb.shared)
    for kind, held in ga.shared.items():
        assert held.shape == gb.shared[kind].shape and (held != gb.shared[kind]).nnz == 0, kind


def _live_events() -> list[list[dict[str, Any]]]:
    """Two batches touching every table detection reads, with updates of existing rows and a report on a
    post that arrives only in the second batch."""
    first = [
        event("a1", "accounts", account_id="zz-new", created_at=AT, external_links="https://shop.example/x"),
        event(
            "a2",
            "accounts",
            account_id="u0000005",
            created_at=AT,
            age_band="minor",
            external_links="shop.example",
        ),
        event("f1", "follows", follower_id="zz-new", followee_id="u0000005", created_at=AT),
        event(
            "f2",
            "follows",
            follower_id="u0000000",
            followee_id="u0000001",
            created_at=LATER,
            source="recommendation",
        ),
        # accounts with no account row: nodes only through the follow
        event("f3", "follows", follower_id="ghost-1", followee_id="ghost-2", created_at=AT),
        event(
            "i1",
            "interactions",
            actor_id="u0000000",
            target_account_id="u0000090",
            kind="share",
            count=3,
            first_at=AT,
            last_at=LATER,
        ),
        event(
            "i2",
            "interactions",
            actor_id="zz-new",
            target_account_id="u0000007",
            kind="like",
            count=2,
            first_at=AT,
            last_at=AT,
        ),
        event(
            "m1",
            "messages",
            sender_id="u0000002",
            recipient_id="u0000187",
            count=9,
            first_at=AT,
            last_at=LATER,
        ),
        event(
            "m2", "messages", sender_id="zz-new", recipient_id="u0000005", count=1, first_at=AT, last_at=AT
        ),
        event(
            "c1",
            "recommendations",
            viewer_id="u0000009",
            recommended_id="u0000075",
            surface="suggested_accounts",
            shown_at=LATER,
        ),
        event("p1", "posts", post_id="p0000000-0", account_id="u0000000", created_at=AT, kind="story"),
        event(
            "r1",
            "reports",
            report_id="zr1",
            reporter_id="u0000003",
            target_type="post",
            target_id="zz-post",
            reason="child_safety",
            created_at=AT,
        ),
        event(
            "r2",
            "reports",
            report_id="zr2",
            reporter_id="u0000004",
            target_type="account",
            target_id="zz-new",
            reason="spam",
            created_at=AT,
        ),
    ]
    second = [
        event("p2", "posts", post_id="zz-post", account_id="zz-new", created_at=LATER, kind="reel"),
        event("p3", "posts", post_id="zz-comment", account_id="ghost-3", created_at=LATER, kind="comment"),
        event("f4", "follows", follower_id="zz-new", followee_id="u0000005", created_at=LATER),  # again
    ]
    return [first, second]


def test_patched_tables_build_the_graph_a_fresh_read_builds(store: Store, export: Path) -> None:
    Ingestor(store).ingest(export)
    kept = PlatformTables.read(store, PLATFORM)
    assert_same(build_platform(store, kept), load_platform(store, PLATFORM))
    for batch in _live_events():
        send(store, PLATFORM, batch)
        before = build_platform(store, kept)
        applied = kept.patch(store, store.changes.since(PLATFORM, kept.seq))
        assert applied == len(batch)
        after, fresh = build_platform(store, kept), load_platform(store, PLATFORM)
        assert_same(after, fresh)
        assert before.graph.ids != fresh.graph.ids  # the batch changed the graph, and the patch saw it
    graph = fresh.graph
    assert {"zz-new", "ghost-1", "ghost-3"} <= set(graph.index)
    # accounts first, each part by id: the new account sits among the others, edge-only accounts last
    assert graph.ids.index("zz-new") < graph.ids.index("ghost-1")
    assert graph.ids[: graph.ids.index("zz-new")] == sorted(graph.ids[: graph.ids.index("zz-new")])


def test_follows_read_a_batch_at_a_time_build_the_graph_one_read_builds(
    store: Store, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Follows, messages and recommendations are turned into arrays a batch of rows at a time (a list of
    every row first was most of a 10M-follow platform's peak memory): in batches of 7, the same graph."""
    from bastion.graph import tables_state

    Ingestor(store).ingest(export)
    whole = build_platform(store, PlatformTables.read(store, PLATFORM))
    monkeypatch.setattr(tables_state, "_BATCH", 7)
    batched = PlatformTables.read(store, PLATFORM)
    assert min(len(batched.follows), len(batched.messages), len(batched.recommendations)) > 7 * 5
    assert_same(build_platform(store, batched), whole)


def test_catch_up_patches_the_kept_tables_and_an_export_load_reads_them_again(
    store: Store, export: Path, tmp_path: Path
) -> None:
    Ingestor(store).ingest(export)
    b = Bastion(store=store)
    b.graph.detect(refresh=False)
    send(store, PLATFORM, _live_events()[0])
    done = b.graph.compute(PLATFORM, patch=True)
    assert any("tables kept in memory" in n for n in done.notes), done.notes
    assert_same(done.loaded, load_platform(store, PLATFORM))
    # a report through the report API (not an event) is in the change log too, so the kept copy sees it
    item = ReportIn(
        platform=PLATFORM,
        report_id="api-1",
        reporter_id="u0000010",
        target_type="account",
        target_id="u0000011",
        reason="child_safety",
    )
    assert store_reports(store.engine, [item]) == ["stored"]
    assert store.changes.since(PLATFORM, store.changes.head(PLATFORM) - 1).items[0].accounts == (
        "u0000010",
        "u0000011",
    )
    via_api = b.graph.compute(PLATFORM, patch=True)
    assert_same(via_api.loaded, load_platform(store, PLATFORM))
    index = via_api.loaded.graph.index
    assert via_api.loaded.graph.layers["report"][index["u0000010"], index["u0000011"]] == 1.0

    more = tmp_path / "more"
    more.mkdir()
    manifest = (export / "platform.json").read_text(encoding="utf-8")
    (more / "platform.json").write_text(manifest, encoding="utf-8")
    (more / "follows.csv").write_text(
        "follower_id,followee_id,created_at\nzz-new,u0000009,2026-03-03T00:00:00Z\n", encoding="utf-8"
    )
    Ingestor(store).ingest(more)  # not in the change log: the data version moves
    again = b.graph.compute(PLATFORM, patch=True)
    assert not any("tables kept in memory" in n for n in again.notes), again.notes
    assert_same(again.loaded, load_platform(store, PLATFORM))


def test_keyed_pairs_hold_the_last_value_of_each_pair_sorted() -> None:
    rng = random.Random(5)
    pairs = KeyedPairs({"v": np.float64})
    model: dict[tuple[int, int], float] = {}
    for _ in range(30):
        size = rng.randint(0, 40)
        src = np.array([rng.randint(0, 20) for _ in range(size)], dtype=np.int64)
        dst = np.array(
            [rng.randint(0, 2**31 - 1) if rng.random() < 0.1 else rng.randint(0, 20) for _ in range(size)],
            dtype=np.int64,
        )
        vals = np.array([rng.random() for _ in range(size)])
        pairs.upsert(src, dst, {"v": vals})
        model.update({(int(s), int(d)): float(v) for s, d, v in zip(src, dst, vals, strict=True)})
        assert list(zip(pairs.src.tolist(), pairs.dst.tolist(), strict=True)) == sorted(model)
        assert pairs.values("v").tolist() == [model[k] for k in sorted(model)]


def test_the_graph_knows_which_link_domain_each_holder_shares(store: Store, export: Path) -> None:
    """``shared_link`` says an account's site is linked by others too; ``graph.shared`` says which site, so
    detection can tell friends who link one site from friends who each link a stranger's."""
    Ingestor(store).ingest(export)
    loaded = load_platform(store, PLATFORM)
    graph = loaded.graph
    held = graph.shared[SHARED_LINK].tocsc()
    strength = graph.signal(SHARED_LINK)
    assert held.nnz > 0 and set(held.tocoo().row.tolist()) == set(np.flatnonzero(strength > 0).tolist())
    for item in range(held.shape[1]):
        holders = held.indices[held.indptr[item] : held.indptr[item + 1]].tolist()
        assert len(holders) >= 2
        common = set.intersection(*(set(loaded.domains[h]) for h in holders))
        assert len(common) >= 1  # one domain, linked by every one of them
