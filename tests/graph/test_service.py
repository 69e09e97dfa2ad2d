"""End to end on a synthetic platform: ingest, detect (seeds table or seedless), stored networks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bastion.core.errors import ConfigError, NotFound
from bastion.graph.load import link_domain, load_platform
from bastion.graph.service import KIND, SOURCE, NetworkDetector
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables_graph import graph_members, graph_runs
from bastion.synth import GroundTruth
from bastion.system import Bastion
from support.exports import truth_export


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=1500, seed=7)


@pytest.fixture()
def loaded(store: Store, export: tuple[Path, GroundTruth]) -> GroundTruth:
    Ingestor(store).ingest(export[0])
    return export[1]


def _members(run: object) -> dict[str, str]:
    return {m.account_id: m.role for n in run.networks for m in n.members}  # type: ignore[attr-defined]


def test_loader_derives_signals_and_attributes(store: Store, loaded: GroundTruth) -> None:
    g = load_platform(store, loaded.platform).graph
    sellers = [g.index[a] for a in loaded.members("seller")]
    assert g.n >= 1500 and g.num_edges() > 10_000
    assert g.signal("shared_link")[sellers].mean() > 0.9  # sellers share link-hub domains
    assert (g.signal("shared_link") > 0).sum() < 2 * len(sellers)
    assert g.signal("report")[sellers].max() > 0
    assert (g.attrs.stories_ratio[sellers] >= 0.5).mean() > 0.5
    assert g.layer("follow_rec").nnz > 0 and g.layer("recommendation").nnz > 0
    assert link_domain("https://www.LinkHub.example/c1-2") == "linkhub.example"


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds-table", "seedless"])
def test_detect_recovers_planted_network(store: Store, loaded: GroundTruth, seeded: bool) -> None:
    run = NetworkDetector(store).detect(seeds=None if seeded else [])
    assert run.mode == ("seeded" if seeded else "seedless")
    assert set(run.seeds) == (set(loaded.seeds) if seeded else set())
    got = _members(run)
    roles = loaded.roles
    sellers, buyers = set(loaded.members("seller")), set(loaded.members("buyer"))
    # no lexicon here: most sellers show one kind of evidence (a shared link hub), which makes them members
    # but not "strong" for association, a tie is a friendship (contacts both ways; the cell-mates here
    # follow each other at random, one way as often as both) and it counts once, and a cell-mate that holds
    # the same hub is read without it (its own evidence names the hub already: alike.SameItem, which keeps a
    # club that links its site from reading as a network), so about a quarter of the sellers pass even odds
    # (7-9 of 30; 11-12 while the hub counted again through each cell-mate); the buyers follow three to five
    # of them, half through recommendations, with nothing else: few buyers pass even odds. Precision comes
    # first (below).
    assert len(sellers & set(got)) / len(sellers) >= 0.2
    assert buyers & set(got)
    planted = [a for a in got if roles.get(a) in ("seller", "buyer", "facilitator")]
    assert len(planted) / len(got) >= 0.9
    assert not set(loaded.members("decoy")) & set(got)
    pairs = [(got[a], roles[a]) for a in got if roles.get(a) in ("seller", "buyer")]
    assert sum(r == t for r, t in pairs) / len(pairs) >= 0.9


def test_run_is_stored_with_member_signals(store: Store, loaded: GroundTruth) -> None:
    det = NetworkDetector(store)
    first = det.detect()
    second = det.detect(seeds=[])
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(graph_runs)).scalar_one() == 2
        stored = conn.execute(
            select(func.count()).select_from(graph_members).where(graph_members.c.run_id == first.run_id)
        ).scalar_one()
    assert stored == sum(len(n.members) for n in first.networks)
    sigs = list(store.signals.of_kind(KIND, loaded.platform))
    assert {s.entity_id for s in sigs} == set(_members(second))  # the newer run replaced the older one
    assert all(s.source == SOURCE and s.evidence["run_id"] == second.run_id for s in sigs)
    assert det.latest_run() == second.run_id


def test_networks_json_is_export_format(store: Store, loaded: GroundTruth) -> None:
    det = NetworkDetector(store)
    det.detect()
    out = json.loads(json.dumps(det.networks_json()))
    assert out and all(set(n) >= {"network_id", "score", "members"} for n in out)
    m = out[0]["members"][0]
    assert set(m) == {"account_id", "platform", "role", "score", "evidence"}
    assert m["platform"] == loaded.platform
    assert all({"signal", "text"} <= set(e) for e in m["evidence"])


def test_dossier_explains_members(store: Store, loaded: GroundTruth) -> None:
    det = NetworkDetector(store)
    run = det.detect()
    d = det.dossier(run.networks[0].network_id)
    assert "seller" in d.members
    seller = d.members["seller"][0]
    assert seller.summary.startswith("seller role score") and seller.reasons
    assert any(dom.endswith(".example") for dom, _ in d.shared_links)
    assert d.exposure["impressions"] >= d.exposure["minor_impressions"] > 0
    with pytest.raises(NotFound):
        det.dossier("999-1")
    with pytest.raises(NotFound):
        det.dossier("nope")


def test_errors_and_hooks(store: Store) -> None:
    with pytest.raises(NotFound, match="bastion ingest"):
        NetworkDetector(store).detect()
    notes = Bastion(store=store).refresh("p", before="graph")  # the hooks of media and terms, in order
    assert [n.split(":")[0] for n in notes] == ["media", "terms"]


def test_unknown_engine(store: Store, loaded: GroundTruth) -> None:
    with pytest.raises(ConfigError, match="engine"):
        NetworkDetector(store).detect(engine="gpu")
