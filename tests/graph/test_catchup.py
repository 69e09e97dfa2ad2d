"""Detection catch-up after live events: only the networks the events touch are re-derived, they equal a
full run's on the same data, and every other network is carried over unchanged (ids, members, scores)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.graph.catchup import MAX_DRIFT, neighbourhood
from bastion.graph.network import Network
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables_graph import graph_members
from bastion.store.tables_review import review_case_reports, review_cases
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion
from support.events import event, send
from support.exports import export as small_export

AT = "2026-03-01T12:00:00Z"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catchup") / "export"
    # a world whose first run finds two networks with no contact between them (checked in the test below):
    # catch-up's locality is only defined where networks are apart
    write_export(generate(SynthConfig(accounts=1500, seed=11)), folder, fmt="csv")
    return folder


def _stored(store: Store, run_id: int) -> dict[str, dict[str, tuple[str, float]]]:
    q = select(graph_members).where(graph_members.c.run_id == run_id)
    out: dict[str, dict[str, tuple[str, float]]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(q):
            out.setdefault(r.network_id, {})[r.account_id] = (r.role, r.score)
    return out


def _as_members(net: Network) -> dict[str, tuple[str, float]]:
    return {m.account_id: (m.role, m.score) for m in net.members}


def test_catch_up_replaces_only_the_touched_network_as_a_full_run_would(store: Store, export: Path) -> None:
    Ingestor(store).ingest(export)
    b = Bastion(store=store)
    first = b.graph.detect(refresh=False)
    assert len(first.networks) >= 2
    assert b.graph.catch_up().outcome == "none"  # nothing new since the run
    # members of one network whose contacts reach no other network: touching them touches that one only
    target, others = first.networks[0], first.networks[1:]
    elsewhere = {m.account_id for n in others for m in n.members}
    done = b.graph.compute("synthbook")
    lone = [m.account_id for m in target.members if not neighbourhood(done, [m.account_id], 1) & elsewhere]
    assert len(lone) >= 3
    events = [event("a", "accounts", account_id="newcomer", created_at=AT)]
    for i, a in enumerate(lone[:3]):
        events.append(event(f"f{i}", "follows", follower_id="newcomer", followee_id=a, created_at=AT))
    send(store, "synthbook", events)

    step = b.graph.catch_up()
    assert step.outcome == "incremental", step.words()
    assert "tables kept in memory since change 0, 4 change(s) read again" in step.words()  # no full read
    assert step.replaced == (target.network_id,)
    assert set(step.kept) == {n.network_id for n in others}
    assert step.added and step.drift <= MAX_DRIFT
    after = _stored(store, step.run_id or 0)
    before = _stored(store, first.run_id)
    for kept in step.kept:  # carried over byte for byte, under their old ids
        assert after[kept] == before[kept]

    full = b.graph.detect(refresh=False)  # a full run on the same data
    by_members = {frozenset(m.account_id for m in n.members): n for n in full.networks}
    for added in step.added:
        twin = by_members[frozenset(after[added])]
        assert _as_members(twin) == after[added]  # same members, roles and scores as the full run
    for kept in step.kept:
        twin = by_members[frozenset(after[kept])]
        assert {a: r for a, (r, _) in _as_members(twin).items()} == {
            a: r for a, (r, _) in after[kept].items()
        }
        assert max(abs(s - after[kept][a][1]) for a, (_, s) in _as_members(twin).items()) <= MAX_DRIFT
    assert len(full.networks) == len(after)


def test_when_the_kept_networks_cannot_stand_the_catch_up_keeps_the_full_run_it_computed(
    store: Store, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``max_drift`` catch-up stores a full run: the one it already computed, not a second one."""
    Ingestor(store).ingest(export)
    b = Bastion(store=store)
    first = b.graph.detect(refresh=False)
    member = first.networks[0].members[0].account_id
    send(
        store,
        "synthbook",
        [event("f1", "follows", follower_id="u0000001", followee_id=member, created_at=AT)],
    )
    b.graph.catchup_max_drift = -1.0  # no drift is small enough: the kept networks never stand
    computed: list[str] = []
    compute = b.graph.compute
    monkeypatch.setattr(b.graph, "compute", lambda *a, **k: computed.append("x") or compute(*a, **k))
    step = b.graph.catch_up()
    # either reason the kept networks cannot stand: past the drift, or (the follow moved platform-wide
    # statistics enough) a network outside the region already differs, which is checked first
    why = step.words()
    assert step.outcome == "full" and ("moved member scores" in why or "other networks" in why), why
    assert computed == ["x"]  # the platform was loaded and scored once
    full = b.graph.detect(refresh=False)  # a full run on the same data: the same networks
    assert sorted(map(sorted, _stored(store, step.run_id or 0).values())) == sorted(
        sorted(_as_members(n)) for n in full.networks
    )
    assert store.changes.checkpoint("graph", "synthbook") == store.changes.head("synthbook")


def test_a_network_catch_up_re_derives_reaches_triage(store: Store, export: Path) -> None:
    Ingestor(store).ingest(export)
    b = Bastion(store=store)
    first = b.catchup()  # no run yet: a full one; triage then places the export's reports
    assert first.platforms[0].detection is not None and first.platforms[0].detection.outcome == "full"
    target = b.graph.networks()[0]
    member = next(iter(_stored(store, target.run_id)[target.network_id]))
    report = {"report_id": "live-r1", "reporter_id": "u0000001", "target_type": "account",
              "target_id": member, "reason": "other", "created_at": AT}  # fmt: skip
    send(store, "synthbook", [event("r1", "reports", **report)])
    done = b.catchup("synthbook")
    step = done.platforms[0].detection
    assert step is not None and step.outcome in ("incremental", "full") and step.run_id is not None
    assert done.triaged == 1
    now = {n.network_id for n in b.graph.networks()}
    mine = next(n for n, m in _stored(store, step.run_id).items() if member in m)
    # re-derived by the catch-up, and continuing the network it replaced: the same id (lineage.py), so an
    # open case on it still shows its members and the report joins that case
    assert mine == target.network_id and mine in now
    q = (
        select(review_cases.c.group_type, review_cases.c.group_id)
        .join(review_case_reports, review_case_reports.c.case_id == review_cases.c.case_id)
        .where(review_case_reports.c.report_id == "live-r1")
    )
    with store.engine.connect() as conn:
        assert conn.execute(q).one() == ("network", mine)  # the report joined the network's case


def test_a_report_before_its_target_account_is_caught_up(store: Store, tmp_path: Path) -> None:
    Ingestor(store).ingest(small_export(tmp_path))
    b = Bastion(store=store)
    b.graph.detect(refresh=False)
    report = {"report_id": "early", "reporter_id": "u0000001", "target_type": "account",
              "target_id": "not-yet-an-account", "reason": "other", "created_at": AT}  # fmt: skip
    send(store, "synthbook", [event("r1", "reports", **report)])
    step = b.graph.catch_up()
    assert step.outcome in ("incremental", "full") and step.touched == 2  # reporter and target
    assert store.changes.checkpoint("graph", "synthbook") == 1
